using System.Text;
using Ipvs.Agent.Configuration;

namespace Ipvs.Agent.Tests.Configuration;

public sealed class InputFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ipvs-input-file-").FullName;

    [Fact]
    public void ReadAllText_FileOfExactlyTheLimit_ReadWhole()
    {
        string path = Path.Combine(_directory, "limit.yaml");
        string text = new('x', 4096);
        File.WriteAllText(path, text);

        Assert.Equal(text, InputFile.ReadAllText(path, 4096));
    }

    [Fact]
    public void ReadAllText_OneByteOverTheLimit_RefusedNamingTheFile()
    {
        string path = Path.Combine(_directory, "over.yaml");
        File.WriteAllText(path, new string('x', 4097));

        FormatException error = Assert.Throws<FormatException>(() => InputFile.ReadAllText(path, 4096));

        Assert.Equal($"{path}: larger than the limit of 4096 bytes", error.Message);
    }

    [Fact]
    public void ReadAllText_RegularFileThatReportsNoSize_ReadToItsEnd()
    {
        // /proc files are regular files of size 0 whose text is made when read: the buffer must grow past the size.
        string text = InputFile.ReadAllText("/proc/self/status", 1 << 20);

        Assert.StartsWith("Name:", text, StringComparison.Ordinal);
        Assert.Contains("\nVmRSS:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAllText_ByteOrderMarkAndMultiByteText_MarkSkippedTextKept()
    {
        string path = Path.Combine(_directory, "bom.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("name: café")]);

        Assert.Equal("name: café", InputFile.ReadAllText(path, 1024));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
