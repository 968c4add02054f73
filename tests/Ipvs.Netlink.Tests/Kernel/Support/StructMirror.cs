using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ipvs.Netlink.Tests.Kernel.Support;

/// <summary>A C# struct that mirrors a kernel struct, with each C field's C# field name.</summary>
internal sealed record StructMirror(Type Type, IReadOnlyDictionary<string, string> FieldsByCName)
{
    public int MarshalSize => Marshal.SizeOf(Type);

    /// <summary>What <c>MemoryMarshal.Read/Write</c> copy: the managed size, which can differ from the marshalled one.</summary>
    public int ManagedSize => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(Type).Invoke(null, null)!;

    public IEnumerable<string> InstanceFieldNames =>
        Type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(member => member.Name);

    public int OffsetOf(string cField) => (int)Marshal.OffsetOf(Type, FieldsByCName[cField]);
}
