using Ipvs.Core.Draining;
using Ipvs.Core.Kernel;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Core.Tests.Support;

namespace Ipvs.Core.Tests.Planning;

public sealed class PlannerPropertyTests
{
    private const int Cases = 500;
    private const int BaseSeed = 20261125;

    private static readonly Planner Planner = new(Build.Policy, DrainPolicy.Default);

    [Fact]
    public void Plan_RandomScenarios_ConvergesOnOwnedSetAndLeavesForeignAlone()
    {
        var coverage = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int seed = BaseSeed; seed < BaseSeed + Cases; seed++)
        {
            RandomScenario scenario = RandomScenario.Generate(seed);
            try
            {
                CheckProperties(scenario, coverage);
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException($"Property failed for seed {seed} (RandomScenario.Generate({seed})): {exception.Message}", exception);
            }
        }

        // The generator must actually reach every rule, or the properties above prove little.
        string[] rules = [.. Enum.GetNames<IpvsOperationKind>(), .. Enum.GetNames<PlanIssueKind>(), "drain started", "drain waiting"];
        Assert.All(rules, rule => Assert.True(coverage.GetValueOrDefault(rule) >= 10, $"only {coverage.GetValueOrDefault(rule)} cases exercised '{rule}'"));
    }

    private static void CheckProperties(RandomScenario scenario, Dictionary<string, int> coverage)
    {
        Plan plan = Planner.Plan(scenario.Desired, scenario.Kernel, scenario.Ownership, Build.Now);
        IEnumerable<string> exercised = plan.Operations.Select(operation => operation.Kind.ToString())
            .Concat(plan.Issues.Select(issue => issue.Kind.ToString()))
            .Concat(plan.NextOwnership.Drains.Keys.Where(key => !scenario.Ownership.Drains.ContainsKey(key)).Select(_ => "drain started"))
            .Concat(plan.NextOwnership.Drains.Keys.Where(scenario.Ownership.Drains.ContainsKey).Select(_ => "drain waiting"));
        foreach (string rule in exercised.Distinct())
        {
            coverage[rule] = coverage.GetValueOrDefault(rule) + 1;
        }

        // Deterministic: the same input gives the same operations in the same order.
        Assert.Equal(plan.Operations, Planner.Plan(scenario.Desired, scenario.Kernel, scenario.Ownership, Build.Now).Operations);

        // The kernel accepts every operation in order (creates before contents, contents deleted before the service).
        var kernel = new InMemoryKernel(scenario.Kernel);
        kernel.Apply(plan.Operations);
        KernelTable after = kernel.ToTable();

        foreach (IpvsOperation operation in plan.Operations)
        {
            bool ownedBefore = scenario.Ownership.Owns(operation.ServiceKey);
            bool createdNow = !scenario.Kernel.Services.ContainsKey(operation.ServiceKey);
            Assert.True(ownedBefore || createdNow, $"'{operation}' touches a service the agent does not own");
            if (operation.Kind == IpvsOperationKind.DeleteService)
            {
                Assert.True(!scenario.Desired.Services.ContainsKey(operation.ServiceKey) || Build.Policy.Refusal(operation.ServiceKey) is not null,
                    $"'{operation}' deletes a desired service");
            }
        }

        CheckOrder(plan.Operations);

        foreach (KernelService before in scenario.Kernel.Services.Values.Where(service => !scenario.Ownership.Owns(service.Key)))
        {
            Assert.True(after.TryGetService(before.Key, out KernelService? now), $"foreign {before.Key} disappeared");
            Assert.Equal(before.Service, now.Service);
            Assert.Equal(before.OrderedRealServers, now.OrderedRealServers);
        }

        foreach (var desired in scenario.Desired.Services.Values)
        {
            bool allowed = Build.Policy.Refusal(desired.Key) is null;
            bool foreign = scenario.Kernel.Services.ContainsKey(desired.Key) && !scenario.Ownership.Owns(desired.Key);
            bool unreadable = scenario.Kernel.UnreadableServices.ContainsKey(desired.Key);
            if (!allowed || foreign || unreadable)
            {
                Assert.Contains(plan.Issues, issue => issue.Service == desired.Key);
                continue;
            }

            Assert.True(plan.NextOwnership.Owns(desired.Key), $"{desired.Key} is desired but not owned after the plan");
            Assert.True(after.TryGetService(desired.Key, out KernelService? service), $"{desired.Key} is desired but missing");
            Assert.True(service.Service.SameConfiguration(desired.Service), $"{desired.Key} has the wrong configuration");
            foreach (var server in desired.RealServers.Values)
            {
                Assert.True(service.RealServers.TryGetValue(server.Key, out KernelRealServer actual), $"{desired.Key} lacks {server.Key}");
                Assert.Empty(ConfigDifference.Between(actual.Server, server.Server));
            }

            foreach (KernelRealServer extra in service.RealServers.Values.Where(server => !desired.RealServers.ContainsKey(server.Key)))
            {
                Assert.True(plan.NextOwnership.Drains.ContainsKey(new DrainKey(desired.Key, extra.Key)), $"{desired.Key} keeps {extra.Key} without draining it");
                Assert.Equal(0, extra.Server.Weight);
            }
        }

        foreach (VirtualServiceKey key in scenario.Ownership.Services.Where(key => !scenario.Desired.Services.ContainsKey(key)))
        {
            if (scenario.Kernel.UnreadableServices.ContainsKey(key) && Build.Policy.Refusal(key) is null)
            {
                Assert.True(plan.NextOwnership.Owns(key), $"{key} is unreadable in the kernel but no longer owned");
                continue;
            }

            if (Build.Policy.Refusal(key) is not null || !after.TryGetService(key, out KernelService? service))
            {
                Assert.False(plan.NextOwnership.Owns(key), $"{key} is released or gone but still owned");
                continue;
            }

            Assert.True(plan.NextOwnership.Owns(key), $"{key} is retiring but no longer owned");
            Assert.All(service.RealServers.Values, server =>
            {
                Assert.Equal(0, server.Server.Weight);
                Assert.True(plan.NextOwnership.Drains.ContainsKey(new DrainKey(key, server.Key)), $"{key}: {server.Key} left without a drain");
            });
        }

        // An unreadable service's drains are kept as they were: its real servers are unknown.
        foreach (Drain drain in plan.NextOwnership.Drains.Values.Where(drain => !scenario.Kernel.UnreadableServices.ContainsKey(drain.Service)))
        {
            Assert.True(after.TryGetService(drain.Service, out KernelService? service) && service.RealServers.ContainsKey(drain.Server),
                $"drain of {drain.Key} is recorded for something not in the kernel");
        }

        // Converged: planning again against the result changes nothing.
        Plan again = Planner.Plan(scenario.Desired, after, plan.NextOwnership, Build.Now);
        Assert.True(again.IsEmpty, "second plan is not empty: " + string.Join("; ", again.Operations));
        Assert.Equal(plan.NextOwnership, again.NextOwnership);
    }

    private static void CheckOrder(IReadOnlyList<IpvsOperation> operations)
    {
        for (int i = 0; i < operations.Count; i++)
        {
            IpvsOperation operation = operations[i];
            for (int j = 0; j < i; j++)
            {
                IpvsOperation earlier = operations[j];
                if (earlier.ServiceKey != operation.ServiceKey)
                {
                    continue;
                }

                Assert.False(operation.Kind == IpvsOperationKind.AddService, $"'{earlier}' comes before its service is created");
                Assert.False(earlier.Kind == IpvsOperationKind.DeleteService, $"'{operation}' comes after its service is deleted");
            }
        }
    }
}
