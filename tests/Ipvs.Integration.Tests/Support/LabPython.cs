namespace Ipvs.Integration.Tests.Support;

/// <summary>The Python the lab's backends and clients run on.</summary>
internal static class LabPython
{
    /// <summary>
    /// Debian's interpreter (vagrant/provision installs it), by path: a version manager's shim that comes first on
    /// PATH (pyenv's is a bash script that forks a dozen processes) took over 45 s to start a client in the one-CPU
    /// guest on a busy host, and the test saw no answer at all.
    /// </summary>
    public const string Executable = "/usr/bin/python3";
}
