using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Ipvs.Agent.Configuration;

/// <summary>
/// A regular file's UTF-8 text, decoded as it is read in blocks: a 10k-service file is 8 MB that a parser needs only a
/// block of at a time (the whole file in one buffer cost 2,000 page faults, a third of a second under user-mode
/// Linux). Strict: an invalid byte throws, naming its offset in the file; so does a file that grows past its limit.
/// A leading byte-order mark is skipped, as <see cref="File.ReadAllText(string)"/> does.
/// </summary>
internal sealed class Utf8FileReader : TextReader
{
    private const int BlockSize = 64 * 1024;

    private readonly FileStream _file;
    private readonly string _path;
    private readonly long _limit;
    private readonly byte[] _bytes = new byte[BlockSize];
    private readonly char[] _chars = new char[BlockSize];
    private int _byteStart;
    private int _byteEnd;
    private int _charStart;
    private int _charEnd;
    private long _bytesRead;

    /// <summary>Offset in the text (after any byte-order mark) of <c>_bytes[_byteStart]</c>.</summary>
    private long _offset;

    private bool _atEnd;
    private bool _markChecked;

    public Utf8FileReader(FileStream file, string path, long limit)
    {
        ArgumentNullException.ThrowIfNull(file);
        _file = file;
        _path = path;
        _limit = limit;
    }

    public override int Peek() => Fill() ? _chars[_charStart] : -1;

    public override int Read() => Fill() ? _chars[_charStart++] : -1;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty || !Fill())
        {
            return 0;
        }

        int count = Math.Min(buffer.Length, _charEnd - _charStart);
        _chars.AsSpan(_charStart, count).CopyTo(buffer);
        _charStart += count;
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Decodes the next block when the last is used up; false at the end of the file.</summary>
    private bool Fill()
    {
        while (_charStart == _charEnd)
        {
            if (_byteStart == _byteEnd && _atEnd)
            {
                return false;
            }

            ReadBytes();
            OperationStatus status = Utf8.ToUtf16(_bytes.AsSpan(_byteStart, _byteEnd - _byteStart), _chars, out int decoded, out int written,
                replaceInvalidSequences: false, isFinalBlock: _atEnd);
            if (status == OperationStatus.InvalidData)
            {
                throw new InputFileException(InputFile.NotUtf8(_path, _offset + decoded));
            }

            _byteStart += decoded;
            _offset += decoded;
            _charStart = 0;
            _charEnd = written;
        }

        return true;
    }

    /// <summary>Keeps the bytes not decoded yet (at most a character's first three) and reads after them.</summary>
    private void ReadBytes()
    {
        if (_atEnd)
        {
            return;
        }

        int kept = _byteEnd - _byteStart;
        _bytes.AsSpan(_byteStart, kept).CopyTo(_bytes);
        (_byteStart, _byteEnd) = (0, kept);
        do
        {
            int read = _file.Read(_bytes, _byteEnd, _bytes.Length - _byteEnd);
            if (read == 0)
            {
                _atEnd = true;
                break;
            }

            _byteEnd += read;
            _bytesRead += read;
            if (_bytesRead > _limit)
            {
                throw new InputFileException(InputFile.TooLarge(_path, _limit));
            }
        }
        while (!_markChecked && _byteEnd < Encoding.UTF8.Preamble.Length);

        if (!_markChecked)
        {
            _markChecked = true;
            if (_bytes.AsSpan(0, _byteEnd).StartsWith(Encoding.UTF8.Preamble))
            {
                _byteStart = Encoding.UTF8.Preamble.Length;
            }
        }
    }
}
