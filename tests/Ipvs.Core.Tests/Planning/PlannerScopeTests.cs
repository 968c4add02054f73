using Ipvs.Core.Draining;
using Ipvs.Core.Model;
using Ipvs.Core.Planning;
using Ipvs.Core.Tests.Support;

namespace Ipvs.Core.Tests.Planning;

public sealed class PlannerScopeTests
{
    private const int Cases = 500;
    private const int BaseSeed = 20261125;

    private static readonly Planner Planner = new(Build.Policy, DrainPolicy.Default);

    [Fact]
    public void Plan_RandomScope_EqualsFullPlanRestrictedToScope()
    {
        int nonEmptyScopedPlans = 0;
        for (int seed = BaseSeed; seed < BaseSeed + Cases; seed++)
        {
            RandomScenario scenario = RandomScenario.Generate(seed);
            var random = new Random(seed);
            VirtualServiceKey[] keys = [.. scenario.Desired.Services.Keys.Concat(scenario.Kernel.Services.Keys).Concat(scenario.Ownership.Services).Distinct()];
            HashSet<VirtualServiceKey> scope = [.. keys.Where(_ => random.Next(2) == 0), Build.Tcp("10.99.0.200", 80)];

            Plan full = Planner.Plan(scenario.Desired, scenario.Kernel, scenario.Ownership, Build.Now);
            Plan scoped = Planner.Plan(scenario.Desired, scenario.Kernel, scenario.Ownership, Build.Now, scope);

            string context = $"seed {seed}, scope {string.Join(", ", scope)}";
            Assert.True(full.Operations.Where(operation => scope.Contains(operation.ServiceKey)).SequenceEqual(scoped.Operations), $"operations differ ({context})");
            Assert.Equal(
                full.Issues.Where(issue => scope.Contains(issue.Service)).Select(issue => issue.Message).Order(StringComparer.Ordinal),
                scoped.Issues.Select(issue => issue.Message).Order(StringComparer.Ordinal));
            foreach (VirtualServiceKey key in keys)
            {
                OwnershipExpectation(scope.Contains(key) ? full : null, scenario.Ownership.Owns(key), scoped.NextOwnership.Owns(key), key, context);
            }

            Assert.Equal(
                full.NextOwnership.Drains.Where(pair => scope.Contains(pair.Key.Service))
                    .Concat(scenario.Ownership.Drains.Where(pair => !scope.Contains(pair.Key.Service)))
                    .ToDictionary(),
                scoped.NextOwnership.Drains.ToDictionary());
            nonEmptyScopedPlans += scoped.Operations.Count > 0 ? 1 : 0;
        }

        Assert.True(nonEmptyScopedPlans >= Cases / 4, $"only {nonEmptyScopedPlans} scoped plans did anything");

        static void OwnershipExpectation(Plan? full, bool ownedBefore, bool ownedAfter, VirtualServiceKey key, string context) =>
            Assert.True((full?.NextOwnership.Owns(key) ?? ownedBefore) == ownedAfter, $"ownership of {key} differs ({context})");
    }

    [Fact]
    public void Plan_EmptyScope_ChangesNothingAndKeepsOwnership()
    {
        RandomScenario scenario = RandomScenario.Generate(BaseSeed);

        Plan plan = Planner.Plan(scenario.Desired, scenario.Kernel, scenario.Ownership, Build.Now, new HashSet<VirtualServiceKey>());

        Assert.Empty(plan.Operations);
        Assert.Empty(plan.Issues);
        Assert.Same(scenario.Ownership, plan.NextOwnership);
    }
}
