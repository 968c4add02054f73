using System.Text;
using Ipvs.Agent.Native;

namespace Ipvs.Agent.Reconciliation;

/// <summary>
/// Replaces a file so that a crash at any moment leaves either the old or the new content, never a torn one: write a
/// temporary file in the same directory, fsync it, rename it over the target, fsync the directory.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, string content)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(content);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        SyncDirectory(directory);
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
