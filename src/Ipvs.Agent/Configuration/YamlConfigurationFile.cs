using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ipvs.Agent.Configuration;

/// <summary>Reads the flat YAML config file into a <see cref="LayerProvider"/>; unknown keys are errors, so typos never pass.</summary>
internal static class YamlConfigurationFile
{
    public static LayerProvider Read(string path, string yaml, List<string> problems)
    {
        var layer = new LayerProvider();
        string name = Path.GetFileName(path);
        YamlStream stream;
        try
        {
            stream = GuardedYamlParser.Load(yaml);
        }
        catch (YamlException exception)
        {
            problems.Add($"{name}:{exception.Start.Line}: not valid YAML: {exception.Message}");
            return layer;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return layer;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add($"{name}:{stream.Documents[0].RootNode.Start.Line}: expected a mapping of keys such as resyncInterval: 10s");
            return layer;
        }

        foreach ((YamlNode keyNode, YamlNode valueNode) in root.Children)
        {
            string written = (keyNode as YamlScalarNode)?.Value ?? keyNode.ToString();
            string? key = ConfigurationKeys.Find(written);
            string origin = $"{name}:{keyNode.Start.Line}: {written}";
            if (key is null)
            {
                problems.Add($"{name}:{keyNode.Start.Line}: {written}: unknown key; known keys are {string.Join(", ", ConfigurationKeys.All)}");
                continue;
            }

            switch (valueNode)
            {
                case YamlScalarNode scalar:
                    layer.Set(key, scalar.Value ?? string.Empty, origin);
                    break;
                case YamlSequenceNode sequence when sequence.Children.All(item => item is YamlScalarNode):
                    layer.Set(key, string.Join(',', sequence.Children.Select(item => ((YamlScalarNode)item).Value)), origin);
                    break;
                default:
                    problems.Add($"{origin}: expected a value or a list of values");
                    break;
            }
        }

        return layer;
    }
}
