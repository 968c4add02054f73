using System.Text;
using System.Text.Json;
using Ipvs.Agent.Native;

namespace Ipvs.Agent.Configuration;

/// <summary>
/// Reads a file the agent takes input from (config, services, journal, drains) so that no file can hang or balloon the
/// process: regular files only (a FIFO would block the open, <c>/dev/zero</c> never ends), at most a given size, UTF-8.
/// </summary>
internal static class InputFile
{
    /// <summary>Largest config file: a few dozen keys.</summary>
    public const long ConfigLimit = 1 << 20;

    /// <summary>Largest services file: 10k services x 10 real servers are about 9 MB.</summary>
    public const long ServicesLimit = 64L << 20;

    /// <summary>Largest journal: written by the agent; 10k owned services with drains are about 1 MB.</summary>
    public const long JournalLimit = 256L << 20;

    /// <summary>Largest drains file: one entry per drain an operator asked for.</summary>
    public const long DrainsLimit = 16L << 20;

    /// <summary>Largest health state file: written by the agent; 10k checked servers are about 4 MB.</summary>
    public const long HealthLimit = 64L << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Parses the text of a JSON file the agent reads (drains, health state), nested at most 8 deep: no input can
    /// overflow the stack.
    /// </summary>
    /// <exception cref="FormatException">Not valid JSON; the message names the file and the line.</exception>
    public static JsonDocument ParseJson(string path, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            throw new FormatException($"{path}:{(exception.LineNumber ?? 0) + 1}: not valid JSON: {exception.Message}", exception);
        }
    }

    /// <summary>The file's text.</summary>
    /// <exception cref="FormatException">Not a regular file, larger than <paramref name="limit"/> bytes, or not UTF-8; the message names the file.</exception>
    /// <exception cref="IOException">It cannot be opened or read (missing, no permission, I/O error).</exception>
    public static string ReadAllText(string path, long limit)
    {
        ReadOnlySpan<byte> text = ReadWithoutByteOrderMark(path, limit);
        try
        {
            return StrictUtf8.GetString(text);
        }
        catch (DecoderFallbackException exception)
        {
            throw NotUtf8(path, exception);
        }
    }

    /// <summary>
    /// The file's bytes, checked to be UTF-8 (a byte-order mark left out), for a reader that decodes as it goes: the
    /// text of a large file as one string would be twice its size again (UTF-16), all of it live while it is parsed.
    /// </summary>
    /// <exception cref="FormatException">Not a regular file, larger than <paramref name="limit"/> bytes, or not UTF-8; the message names the file.</exception>
    /// <exception cref="IOException">It cannot be opened or read (missing, no permission, I/O error).</exception>
    public static ArraySegment<byte> ReadUtf8(string path, long limit)
    {
        ArraySegment<byte> text = ReadWithoutByteOrderMark(path, limit);
        if (!System.Text.Unicode.Utf8.IsValid(text))
        {
            try
            {
                // Only to name the first invalid byte, as ReadAllText does.
                StrictUtf8.GetCharCount(text);
            }
            catch (DecoderFallbackException exception)
            {
                throw NotUtf8(path, exception);
            }

            throw new FormatException($"{path}: not UTF-8 text");
        }

        return text;
    }

    /// <summary>The file's text, decoded as it is read (<see cref="Utf8FileReader"/>), for a parser that reads it once through.</summary>
    /// <exception cref="FormatException">Not a regular file, or larger than <paramref name="limit"/> bytes.</exception>
    /// <exception cref="InputFileException">While reading: not UTF-8, or grown past the limit; the message names the file.</exception>
    /// <exception cref="IOException">It cannot be opened or read (missing, no permission, I/O error).</exception>
    public static TextReader OpenUtf8(string path, long limit)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = new FileStream(OpenRegular(path), FileAccess.Read, bufferSize: 0);
        if (stream.Length > limit)
        {
            stream.Dispose();
            throw new FormatException(TooLarge(path, limit));
        }

        return new Utf8FileReader(stream, path, limit);
    }

    /// <summary>The regular file's bytes, within the limit; a byte-order mark is skipped, as File.ReadAllText did.</summary>
    private static ArraySegment<byte> ReadWithoutByteOrderMark(string path, long limit)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(OpenRegular(path), FileAccess.Read, bufferSize: 0);
        ArraySegment<byte> bytes = ReadBounded(stream, path, limit);
        return bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes;
    }

    private static FormatException NotUtf8(string path, DecoderFallbackException exception) =>
        new(NotUtf8(path, exception.Index), exception);

    /// <summary>What a file larger than its limit is told, whether found at the open or while read.</summary>
    internal static string TooLarge(string path, long limit) => $"{path}: larger than the limit of {limit} bytes";

    /// <summary>What a file with an invalid byte is told; <paramref name="offset"/> counts from after any byte-order mark.</summary>
    internal static string NotUtf8(string path, long offset) => $"{path}: not UTF-8 text (byte {offset} is invalid)";

    /// <summary>Opens without blocking (a FIFO's open waits for a writer otherwise), then refuses anything but a regular file.</summary>
    private static Microsoft.Win32.SafeHandles.SafeFileHandle OpenRegular(string path)
    {
        int fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC | Interop.O_NOCTTY);
        if (fd < 0)
        {
            int error = -fd;
            string reason = error == Interop.ENOENT ? "no such file" : error == Interop.EACCES ? "permission denied" : $"cannot be opened (errno {error})";
            throw error == Interop.ENOENT ? new FileNotFoundException($"{path}: {reason}", path) : new IOException($"{path}: {reason}");
        }

        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        int status = Interop.FileType(fd, out int type);
        if (status != 0)
        {
            handle.Dispose();
            throw new IOException($"{path}: cannot be examined (errno {-status})");
        }

        if (type != Interop.S_IFREG)
        {
            handle.Dispose();
            throw new FormatException($"{path}: not a regular file ({Describe(type)}); give the path of a file");
        }

        return handle;
    }

    private static string Describe(int type) =>
        type == Interop.S_IFDIR ? "a directory"
        : type == Interop.S_IFIFO ? "a FIFO"
        : type == Interop.S_IFCHR ? "a character device"
        : type == Interop.S_IFBLK ? "a block device"
        : type == Interop.S_IFSOCK ? "a socket"
        : "not a file";

    /// <summary>
    /// The whole file, read into one buffer of its size (no doubling copies: a services file can be tens of MB) in as few
    /// reads as the kernel allows; a file that grows while read is still held to the limit.
    /// </summary>
    private static ArraySegment<byte> ReadBounded(FileStream stream, string path, long limit)
    {
        long size = stream.Length;
        if (size > limit)
        {
            throw new FormatException(TooLarge(path, limit));
        }

        // One byte more than the size: reading into it shows that the file grew.
        byte[] bytes = new byte[size + 1];
        int total = 0;
        int read;
        while ((read = stream.Read(bytes, total, bytes.Length - total)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw new FormatException(TooLarge(path, limit));
            }

            if (total == bytes.Length)
            {
                Array.Resize(ref bytes, (int)Math.Min(limit + 1, bytes.Length * 2L));
            }
        }

        return new ArraySegment<byte>(bytes, 0, total);
    }
}
