using System.Reflection;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Ipvs.Docker.Tests.Support;

/// <summary>
/// Reads the Docker Engine API JSON captured in the lab (Fixtures/capture.sh) with Docker.DotNet's own deserializer, so
/// the tests see exactly the objects the client hands to the agent (nanosecond durations, Docker's date format).
/// </summary>
internal static class DockerFixtures
{
    private static readonly Func<byte[], ContainerInspectResponse> _inspect = Deserializer<ContainerInspectResponse>();

    public static ContainerInspectResponse Container(string name) =>
        _inspect(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"{name}.json")));

    /// <summary>A fixture holding a JSON array; the library's serializer knows the element types only, so elements are read one by one.</summary>
    public static List<T> ReadArray<T>(string file)
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", file)));
        return [.. document.RootElement.EnumerateArray().Select(element => Deserialize<T>(System.Text.Encoding.UTF8.GetBytes(element.GetRawText())))];
    }

    public static IEnumerable<string> Lines(string file) => File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", file));

    public static T Deserialize<T>(byte[] json) => Deserializer<T>()(json);

    // Docker.DotNet keeps its serializer (source-generated contexts plus converters) internal.
    private static Func<byte[], T> Deserializer<T>()
    {
        Type serializer = typeof(DockerClient).Assembly.GetType("Docker.DotNet.JsonSerializer", throwOnError: true)!;
        object instance = serializer.GetProperty("Instance", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        MethodInfo deserialize = serializer.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Single(method => method.Name == "Deserialize" && method.GetParameters() is [{ ParameterType: var type }] && type == typeof(byte[]))
            .MakeGenericMethod(typeof(T));
        return json => (T)deserialize.Invoke(instance, [json])!;
    }
}
