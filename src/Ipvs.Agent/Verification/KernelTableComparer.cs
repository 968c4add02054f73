using Ipvs.Core.Desired;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;

namespace Ipvs.Agent.Verification;

/// <summary>
/// Lists every difference between what should be in the kernel and what is, in plain words:
/// <c>TCP 10.99.0.10:80: real server 10.1.1.2:8080 has weight 1 in the kernel, 3 desired</c>.
/// </summary>
public static class KernelTableComparer
{
    /// <param name="desired">What should be there.</param>
    /// <param name="kernel">What is there.</param>
    /// <param name="compareThresholds">False when <paramref name="kernel"/> came from <c>ipvsadm -Sn</c>, which does not print thresholds.</param>
    public static IReadOnlyList<string> Compare(KernelTable desired, KernelTable kernel, bool compareThresholds = true)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(kernel);
        var differences = new List<string>();
        foreach (KernelService wanted in desired.OrderedServices)
        {
            if (!kernel.TryGetService(wanted.Key, out KernelService? actual))
            {
                differences.Add($"{wanted.Key}: missing from the kernel");
                continue;
            }

            differences.AddRange(ConfigDifference.Between(actual.Service, wanted.Service)
                .Select(difference => $"{wanted.Key}: has {difference.Field} {difference.Left} in the kernel, {difference.Right} desired"));
            foreach (KernelRealServer server in wanted.OrderedRealServers)
            {
                if (!actual.RealServers.TryGetValue(server.Key, out KernelRealServer actualServer))
                {
                    differences.Add($"{wanted.Key}: real server {server.Key} is missing from the kernel");
                    continue;
                }

                differences.AddRange(ConfigDifference.Between(actualServer.Server, server.Server)
                    .Where(difference => compareThresholds || !difference.Field.EndsWith("threshold", StringComparison.Ordinal))
                    .Select(difference => $"{wanted.Key}: real server {server.Key} has {difference.Field} {difference.Left} in the kernel, {difference.Right} desired"));
            }

            differences.AddRange(actual.OrderedRealServers
                .Where(server => !wanted.RealServers.ContainsKey(server.Key))
                .Select(server => $"{wanted.Key}: real server {server.Key} is in the kernel but not desired"));
        }

        differences.AddRange(kernel.OrderedServices
            .Where(service => !desired.Services.ContainsKey(service.Key))
            .Select(service => $"{service.Key}: in the kernel but not desired"));
        return differences;
    }

    /// <summary>The table the desired state should produce, for <see cref="Compare"/>.</summary>
    public static KernelTable ToTable(DesiredState desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        return KernelTable.Create(desired.Services.Values.Select(service => new KernelService(
            service.Service, default, service.RealServers.Values.Select(server => new KernelRealServer(server.Server, default)))));
    }
}
