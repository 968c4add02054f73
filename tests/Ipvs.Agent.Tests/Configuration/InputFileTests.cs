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

    [Fact]
    public void OpenUtf8_MarkAndCharactersAcrossBlockEdges_SameTextAsReadAllText()
    {
        // Two- to four-byte characters at every offset around the 64 KiB block edges, after a byte-order mark.
        var text = new StringBuilder();
        while (text.Length < 200_000)
        {
            text.Append('x', 65_533).Append("é€😀\n");
        }

        string path = Path.Combine(_directory, "blocks.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(text.ToString())]);

        using (TextReader whole = InputFile.OpenUtf8(path, 1 << 20))
        {
            Assert.Equal(text.ToString(), whole.ReadToEnd());
        }

        using TextReader byCharacter = InputFile.OpenUtf8(path, 1 << 20);
        var read = new StringBuilder();
        while (byCharacter.Peek() >= 0)
        {
            read.Append((char)byCharacter.Read());
        }

        Assert.Equal(text.ToString(), read.ToString());
        Assert.Equal(-1, byCharacter.Read());
    }

    [Theory]
    [InlineData(9)]
    [InlineData(100_000)]
    public void OpenUtf8_InvalidByte_RefusedWhenReachedNamingItsOffset(int offset)
    {
        string path = Path.Combine(_directory, "latin1-late.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(new string('x', offset)), 0xE9, .. Encoding.UTF8.GetBytes("\n")]);

        using TextReader reader = InputFile.OpenUtf8(path, 1 << 20);
        InputFileException error = Assert.Throws<InputFileException>(() => reader.ReadToEnd());

        Assert.Equal($"{path}: not UTF-8 text (byte {offset} is invalid)", error.Message);
    }

    [Fact]
    public void OpenUtf8_CharacterCutShortAtTheEnd_Refused()
    {
        string path = Path.Combine(_directory, "cut.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes("name: caf"), 0xC3]);

        using TextReader reader = InputFile.OpenUtf8(path, 1024);

        Assert.Equal($"{path}: not UTF-8 text (byte 9 is invalid)", Assert.Throws<InputFileException>(() => reader.ReadToEnd()).Message);
    }

    [Fact]
    public void OpenUtf8_OverTheLimitOrNotAFile_RefusedAtTheOpen()
    {
        string path = Path.Combine(_directory, "over-open.yaml");
        File.WriteAllText(path, new string('x', 4097));

        Assert.Equal($"{path}: larger than the limit of 4096 bytes", Assert.Throws<FormatException>(() => InputFile.OpenUtf8(path, 4096)).Message);
        Assert.StartsWith($"{_directory}: not a regular file (a directory)", Assert.Throws<FormatException>(() => InputFile.OpenUtf8(_directory, 4096)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenUtf8_RegularFileThatReportsNoSize_HeldToTheLimitWhileRead()
    {
        // /proc files report size 0 and are longer when read: the limit applies to what is read.
        using TextReader reader = InputFile.OpenUtf8("/proc/self/status", 64);

        Assert.Equal("/proc/self/status: larger than the limit of 64 bytes", Assert.Throws<InputFileException>(() => reader.ReadToEnd()).Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
