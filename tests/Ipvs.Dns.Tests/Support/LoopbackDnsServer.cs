using System.Collections.Concurrent;
using System.Net;
using DnsClient;
using Ipvs.Dns.Responder;
using Ipvs.Dns.Server;
using DnsResponseCode = Ipvs.Dns.Wire.DnsResponseCode;
using Ipvs.Dns.Zone;

namespace Ipvs.Dns.Tests.Support;

/// <summary>A <see cref="DnsServer"/> on 127.0.0.1 (a port the kernel picks), running until disposed, with what it reported.</summary>
internal sealed class LoopbackDnsServer : IAsyncDisposable, IDnsServerEvents
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public LoopbackDnsServer(ServiceNameZone zone, IReadOnlyList<IPEndPoint>? upstreams = null)
    {
        Responder = new DnsResponder(zone, canForward: upstreams is { Count: > 0 });
        Server = new DnsServer(new IPEndPoint(IPAddress.Loopback, 0), Responder,
            upstreams is { Count: > 0 } ? new DnsForwarder(upstreams, TimeSpan.FromSeconds(5)) : null, this);
        Server.Start();
        _run = Server.RunAsync(_stop.Token);
    }

    public DnsResponder Responder { get; }

    public DnsServer Server { get; }

    public IPEndPoint Endpoint => Server.LocalEndpoint;

    public ConcurrentQueue<(DnsResponseCode Code, DnsTransport Transport)> Answers { get; } = new();

    public ConcurrentQueue<string> Troubles { get; } = new();

    /// <summary>A DnsClient resolver that asks only this server, never caches, and reports DNS errors as responses.</summary>
    public LookupClient Client(int ednsBufferSize = 4096, bool tcpOnly = false) => new(new LookupClientOptions(new NameServer(Endpoint))
    {
        UseCache = false,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(10),
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
        UseTcpFallback = true,
        UseTcpOnly = tcpOnly,
        ExtendedDnsBufferSize = ednsBufferSize,
    });

    public void Answered(DnsResponseCode code, DnsTransport transport) => Answers.Enqueue((code, transport));

    /// <summary>
    /// Whether an answer over <paramref name="transport"/> is recorded within <paramref name="limit"/>: the server records
    /// an answer after sending it, so the client may hold the reply a moment before the record exists (on a busy host,
    /// long enough for an immediate look to miss it).
    /// </summary>
    public async Task<bool> AnsweredOverAsync(DnsTransport transport, TimeSpan limit)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!Answers.Any(answer => answer.Transport == transport))
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > limit)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    public void Trouble(string message) => Troubles.Enqueue(message);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Server.Dispose();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }
}
