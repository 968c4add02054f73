namespace Ipvs.Engine;

/// <summary>What a probe found: passed or not, in plain words (<c>HTTP 200</c>, <c>connection refused</c>).</summary>
internal readonly record struct ProbeAnswer(bool Passed, string Detail);
