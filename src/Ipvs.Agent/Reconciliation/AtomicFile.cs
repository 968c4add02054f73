using System.Text;
using Ipvs.Agent.Native;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// Replaces a file so that a crash at any moment leaves either the old or the new content, never a torn one: write a
/// temporary file in the same directory, fsync it, rename it over the target, fsync the directory.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, string content) =>
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(content)), durable: true);

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> puts in the stream. Not
    /// <paramref name="durable"/> skips both fsyncs: readers still see the old or the new content, but a power loss may
    /// leave either; for files that only mirror a running daemon (health.json, rewritten every second).
    /// </summary>
    public static void Write(string path, Action<Stream> write, bool durable)
    {
        ArgumentNullException.ThrowIfNull(write);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
            {
                write(stream);
                stream.Flush(flushToDisk: durable);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        if (durable)
        {
            SyncDirectory(directory);
        }
    }

    /// <summary>Makes the rename itself durable.</summary>
    private static void SyncDirectory(string directory)
    {
        int fd = Interop.Open(directory, Interop.O_RDONLY | Interop.O_CLOEXEC);
        if (fd >= 0)
        {
            // Best effort: the file itself is already durable; a failure here only risks the rename on power loss.
            _ = Interop.FileSync(fd);
            _ = Interop.Close(fd);
        }
    }
}
