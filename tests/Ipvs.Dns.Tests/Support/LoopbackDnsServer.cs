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
