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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadAllTextOrReadUtf8_OneByteOverTheLimit_RefusedNamingTheFile(bool bytes)
    {
        string path = Path.Combine(_directory, "over.yaml");
        File.WriteAllText(path, new string('x', 4097));

        FormatException error = Assert.Throws<FormatException>(() => bytes ? InputFile.ReadUtf8(path, 4096).Count : InputFile.ReadAllText(path, 4096).Length);

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

    [Fact]
    public void ReadUtf8_ByteOrderMarkAndMultiByteText_MarkLeftOutBytesKept()
    {
        string path = Path.Combine(_directory, "bom-bytes.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("name: café")]);

        Assert.Equal(Encoding.UTF8.GetBytes("name: café"), InputFile.ReadUtf8(path, 1024).ToArray());
    }

    [Fact]
    public void ReadUtf8_InvalidByte_RefusedNamingFileAndByte()
    {
        string path = Path.Combine(_directory, "latin1.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes("name: caf"), 0xE9, .. Encoding.UTF8.GetBytes("\n")]);

        FormatException error = Assert.Throws<FormatException>(() => InputFile.ReadUtf8(path, 1024));

        Assert.Equal($"{path}: not UTF-8 text (byte 9 is invalid)", error.Message);
        Assert.Equal(error.Message, Assert.Throws<FormatException>(() => InputFile.ReadAllText(path, 1024)).Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
