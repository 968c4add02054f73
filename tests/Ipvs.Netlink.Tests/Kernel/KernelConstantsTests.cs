using Ipvs.Netlink.Kernel;
using Ipvs.Netlink.Tests.Kernel.Support;

namespace Ipvs.Netlink.Tests.Kernel;

/// <summary>Every C-named constant under Ipvs.Netlink.Kernel has the value the kernel headers give it.</summary>
public sealed class KernelConstantsTests
{
    public static TheoryData<string> ConstantIds => new(KernelConstant.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ConstantIds))]
    public void Constant_ComparedWithProbe_EqualsHeaderValue(string id)
    {
        KernelConstant constant = KernelConstant.All[id];
        NativeProbe probe = NativeProbe.Output;

        if (!probe.Constants.TryGetValue(constant.Name, out string? headerValue))
        {
            Assert.Fail($"{constant.Name} (C# {constant.Id} = {constant.ProbeText}) is not printed by {probe.Executable}: " +
                "add it to native/probe.c, or remove it if no kernel header defines it.");
        }

        if (headerValue != constant.ProbeText)
        {
            Assert.Fail($"{constant.Name}: C# {constant.Id} = {constant.ProbeText}, kernel header value = {headerValue}.");
        }
    }

    [Fact]
    public void All_ReflectedFromKernelNamespace_IncludesEveryHeaderClass()
    {
        string[] classes = [.. KernelConstant.All.Values.Select(constant => constant.ClassName).Distinct()];

        Assert.Contains(nameof(NetlinkKernel), classes);
        Assert.Contains(nameof(GenericNetlinkKernel), classes);
        Assert.Contains(nameof(IpvsKernel), classes);
        Assert.Contains($"{nameof(IpvsKernel)}.{nameof(IpvsKernel.IPVS_GENL_NAME)}", KernelConstant.All.Keys);
    }

    [Fact]
    public void Load_ExecutableMissing_FailsTellingToBuildTheProbe()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-probe-{Guid.NewGuid():N}");

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => NativeProbe.Load(missing));

        Assert.StartsWith("native probe not built: run make -C native", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
