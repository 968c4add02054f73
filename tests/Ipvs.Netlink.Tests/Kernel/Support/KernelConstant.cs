using System.Globalization;
using System.Reflection;
using Ipvs.Netlink.Kernel;

namespace Ipvs.Netlink.Tests.Kernel.Support;

/// <summary>A <c>const</c> field of a static class in <c>Ipvs.Netlink.Kernel</c>: a C name with the value C# gives it.</summary>
internal sealed record KernelConstant(string ClassName, string Name, object Value)
{
    private static readonly Lazy<IReadOnlyDictionary<string, KernelConstant>> _all = new(Reflect);

    /// <summary>Every constant, keyed by <c>Class.NAME</c> (two classes may each mirror a C name).</summary>
    public static IReadOnlyDictionary<string, KernelConstant> All => _all.Value;

    public string Id => $"{ClassName}.{Name}";

    /// <summary>The value as the probe prints it: integers in decimal with their sign, strings verbatim.</summary>
    public string ProbeText => Value switch
    {
        string text => text,
        byte or sbyte or short or ushort or int or uint or long or ulong =>
            Convert.ToDecimal(Value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException(
            $"{Id} is a {Value.GetType().Name}; kernel constants must be integers or strings so the probe can print them."),
    };

    private static Dictionary<string, KernelConstant> Reflect()
    {
        Assembly netlink = typeof(NetlinkKernel).Assembly;
        string kernelNamespace = typeof(NetlinkKernel).Namespace!;
        return netlink.GetTypes()
            .Where(type => type.Namespace == kernelNamespace && type.IsClass && type.IsAbstract && type.IsSealed)
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(field => field.IsLiteral && !field.IsInitOnly)
                .Select(field => new KernelConstant(type.Name, field.Name, field.GetRawConstantValue()!)))
            .ToDictionary(constant => constant.Id, StringComparer.Ordinal);
    }
}
