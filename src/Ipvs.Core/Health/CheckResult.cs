namespace Ipvs.Core.Health;

/// <summary>The outcome of one check of one real server.</summary>
/// <param name="Passed">Whether the server answered as the check expects.</param>
/// <param name="Detail">Plain words: <c>HTTP 200</c>, <c>connection refused</c>, <c>timed out after 2s</c>.</param>
/// <param name="Duration">How long the check took.</param>
/// <param name="At">When it ended.</param>
public sealed record CheckResult(bool Passed, string Detail, TimeSpan Duration, DateTimeOffset At);
