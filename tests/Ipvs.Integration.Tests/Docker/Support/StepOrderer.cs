using System.Reflection;
using Xunit.Sdk;
using Xunit.v3;

namespace Ipvs.Integration.Tests.Docker.Support;

/// <summary>Where a test runs in a scenario whose steps share one dockerd and one agent (lower first).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class StepAttribute(int number) : Attribute
{
    public int Number => number;
}

/// <summary>Runs a class's test methods in <see cref="StepAttribute"/> order, e.g. so that the dockerd restart comes last.</summary>
public sealed class StepOrderer : ITestMethodOrderer
{
    public IReadOnlyCollection<TTestMethod?> OrderTestMethods<TTestMethod>(IReadOnlyCollection<TTestMethod?> testMethods)
        where TTestMethod : notnull, ITestMethod =>
        [.. testMethods.OrderBy(Step).ThenBy(testMethod => testMethod?.MethodName, StringComparer.Ordinal)];

    private static int Step<TTestMethod>(TTestMethod? testMethod)
        where TTestMethod : notnull, ITestMethod =>
        testMethod is IXunitTestMethod xunit && xunit.Method.GetCustomAttribute<StepAttribute>() is { } step ? step.Number : int.MaxValue;
}
