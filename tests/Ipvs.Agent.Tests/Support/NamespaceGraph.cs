using System.Reflection;
using System.Reflection.Emit;

namespace Ipvs.Agent.Tests.Support;

/// <summary>
/// Which namespaces of one assembly use which others, read from the compiled code: signatures, base types, and every
/// type, method and field token in the method bodies, so a use that no <c>using</c> line shows (a qualified name, a
/// call through <c>var</c>) still counts.
/// </summary>
internal sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> _opCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    private readonly Dictionary<string, SortedSet<string>> _uses = new(StringComparer.Ordinal);

    private NamespaceGraph(Assembly assembly, string rootNamespace)
    {
        foreach (Type type in assembly.GetTypes())
        {
            string? from = type.Namespace;
            if (from is null || !InProject(from, rootNamespace))
            {
                continue;
            }

            SortedSet<string> uses = Uses(from);
            foreach (Type used in ReferencedTypes(type))
            {
                if (used.Namespace is { } to && to != from && InProject(to, rootNamespace))
                {
                    uses.Add(to);
                }
            }
        }
    }

    /// <summary>Namespace to the other namespaces of the same assembly it uses.</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> Uses() => _uses;

    public static NamespaceGraph Of(Assembly assembly, string rootNamespace) => new(assembly, rootNamespace);

    /// <summary>Every set of two or more namespaces that use each other (directly or round a loop), each as "A, B" sorted.</summary>
    public IReadOnlyList<string> Cycles()
    {
        // Tarjan's strongly connected components.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<string>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (string next in _uses.GetValueOrDefault(node) ?? [])
            {
                if (!index.TryGetValue(next, out int nextIndex))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    cycles.Add(string.Join(", ", component.Order(StringComparer.Ordinal)));
                }
            }
        }

        foreach (string node in _uses.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return [.. cycles.Order(StringComparer.Ordinal)];
    }

    private static bool InProject(string name, string rootNamespace) =>
        name == rootNamespace || name.StartsWith(rootNamespace + ".", StringComparison.Ordinal);

    private SortedSet<string> Uses(string from)
    {
        if (!_uses.TryGetValue(from, out SortedSet<string>? uses))
        {
            uses = new SortedSet<string>(StringComparer.Ordinal);
            _uses.Add(from, uses);
        }

        return uses;
    }

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        var found = new List<Type>();
        if (type.BaseType is { } baseType)
        {
            found.Add(baseType);
        }

        found.AddRange(type.GetInterfaces());
        found.AddRange(type.GetFields(Declared).Select(field => field.FieldType));
        found.AddRange(type.GetProperties(Declared).Select(property => property.PropertyType));
        foreach (MethodBase method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo { ReturnType: var returned })
            {
                found.Add(returned);
            }

            found.AddRange(method.GetParameters().Select(parameter => parameter.ParameterType));
            found.AddRange(BodyReferences(method));
        }

        return found.SelectMany(Expand);
    }

    /// <summary>A type with its element type and generic arguments, so <c>List&lt;X&gt;</c> and <c>X[]</c> count as uses of X.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        yield return type;
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            foreach (Type inner in Expand(element))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType)
        {
            foreach (Type argument in type.GetGenericArguments().Where(argument => !argument.IsGenericParameter).SelectMany(Expand))
            {
                yield return argument;
            }
        }
    }

    private static List<Type> BodyReferences(MethodBase method)
    {
        var found = new List<Type>();
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return found;
        }

        Type[] typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : [];
        Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : [];
        found.AddRange(method.GetMethodBody()!.LocalVariables.Select(local => local.LocalType));
        int position = 0;
        while (position < il.Length)
        {
            short value = il[position] == 0xFE ? (short)(0xFE00 | il[position + 1]) : il[position];
            position += il[position] == 0xFE ? 2 : 1;
            OpCode code = _opCodes[value];
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    int token = BitConverter.ToInt32(il, position);
                    MemberInfo? member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                    if (member is Type resolvedType)
                    {
                        found.Add(resolvedType);
                    }
                    else if (member?.DeclaringType is { } owner)
                    {
                        found.Add(owner);
                    }

                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString or OperandType.ShortInlineR:
                    position += 4;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
                default:
                    break;
            }
        }

        return found;
    }
}
