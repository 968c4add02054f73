using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Ipvs.Agent.Native;
using Ipvs.Netlink.Tests.Kernel.Support;

namespace Ipvs.Agent.Tests.Native;

/// <summary>The agent's libc constants and struct against the headers (native/probe.c), and its calls against the kernel.</summary>
public sealed class InteropTests
{
    public static TheoryData<string> ConstantNames => new(Constants().Select(constant => constant.Name).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ConstantNames))]
    public void Constant_ComparedWithProbe_EqualsHeaderValue(string name)
    {
        FieldInfo field = Constants().Single(constant => constant.Name == name);
        string value = Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

        Assert.True(NativeProbe.Output.Constants.TryGetValue(name, out string? headerValue), $"{name} is not printed by native/probe.c: add it there.");
        Assert.Equal(headerValue, value);
    }

    [Fact]
    public void Statx_ComparedWithProbe_HasTheHeaderLayout()
    {
        Assert.True(NativeProbe.Output.TryGetSize("statx", out int size));
        IReadOnlyDictionary<string, int> offsets = NativeProbe.Output.OffsetsOf("statx");

        Assert.Equal(size, Marshal.SizeOf<Interop.Statx>());
        Assert.Equal(offsets["stx_mask"], (int)Marshal.OffsetOf<Interop.Statx>(nameof(Interop.Statx.Mask)));
        Assert.Equal(offsets["stx_mode"], (int)Marshal.OffsetOf<Interop.Statx>(nameof(Interop.Statx.Mode)));
    }

    [Fact]
    public void FileType_OfADirectoryAndAFile_TellsThemApart()
    {
        string directory = Directory.CreateTempSubdirectory("ipvs-agent-interop-").FullName;
        try
        {
            string file = Path.Combine(directory, "file");
            File.WriteAllText(file, "x");

            Assert.Equal((0, Interop.S_IFDIR), TypeOf(directory));
            Assert.Equal((0, Interop.S_IFREG), TypeOf(file));
            Assert.Equal(-Interop.ENOENT, Interop.Open(Path.Combine(directory, "missing"), Interop.O_RDONLY | Interop.O_CLOEXEC));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void FileSync_OpenDirectory_Succeeds()
    {
        int fd = Interop.Open(Path.GetTempPath(), Interop.O_RDONLY | Interop.O_CLOEXEC);
        Assert.True(fd >= 0, $"open failed with errno {-fd}");
        try
        {
            Assert.Equal(0, Interop.FileSync(fd));
        }
        finally
        {
            Assert.Equal(0, Interop.Close(fd));
        }
    }

    /// <summary>The C-named constants; private ones (the library name) are not header values.</summary>
    private static IEnumerable<FieldInfo> Constants() =>
        typeof(Interop).GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public).Where(member => member.IsLiteral && !member.IsPrivate);

    private static (int Status, int Type) TypeOf(string path)
    {
        int fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_CLOEXEC);
        Assert.True(fd >= 0, $"open {path} failed with errno {-fd}");
        try
        {
            int status = Interop.FileType(fd, out int type);
            return (status, type);
        }
        finally
        {
            Interop.Close(fd);
        }
    }
}
