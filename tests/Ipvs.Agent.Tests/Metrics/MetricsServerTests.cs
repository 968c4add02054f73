using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ipvs.Agent.Metrics;
using Ipvs.Core.Kernel;
using Ipvs.Core.Ownership;
using Ipvs.Engine.Tests.Support;
using static Ipvs.Engine.Tests.Support.Services;

namespace Ipvs.Agent.Tests.Metrics;

public sealed class MetricsServerTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly AgentMetrics _metrics = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TestLog _log = new();
    private MetricsServer? _server;
    private Task? _serving;

    /// <summary>4,000 services x 10 real servers: a body of ~20 MB, far beyond what loopback socket buffers hold (4 MiB send, here a 4 KiB receive).</summary>
    private static KernelTable LargeTable() => KernelTable.Create(Enumerable.Range(0, 4000).Select(i =>
        new KernelService(Service($"10.99.{i / 250}.{i % 250}"), default,
            [.. Enumerable.Range(1, 10).Select(j => new KernelRealServer(Server($"10.1.{i / 250}.{j}", (ushort)(8000 + (i % 250))), default))])));

    private static int FreePort(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private string Start(string address, TimeSpan? responseTimeout = null)
    {
        _server = new MetricsServer(address, _metrics, _log.Logger, responseTimeout);
        _server.Start();
        _serving = _server.RunAsync(_stop.Token);
        return $"http://{address}/metrics";
    }

    /// <summary>Sends a scrape and reads only the response's headers, then nothing more: the server is left writing a body nobody reads.</summary>
    private static async Task<(Socket Socket, long ContentLength)> StuckClientAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        var headers = new StringBuilder();
        byte[] one = new byte[1];
        using var patience = new CancellationTokenSource(Patience);
        while (!headers.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(one, SocketFlags.None, patience.Token);
            Assert.True(read == 1, "the stuck client's response headers ended early");
            headers.Append((char)one[0]);
        }

        string length = headers.ToString().Split("\r\n").Single(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return (socket, long.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Scrape_BesideAClientThatNeverReads_IsAnswered()
    {
        _metrics.SetKernelTable(LargeTable(), OwnershipRecord.Empty);
        int port = FreePort(IPAddress.Loopback);
        string url = Start($"127.0.0.1:{port}");
        (Socket stuck, long contentLength) = await StuckClientAsync(port);
        using (stuck)
        {
            using var client = new HttpClient { Timeout = Patience };
            var watch = Stopwatch.StartNew();
            byte[] body = await client.GetByteArrayAsync(url, TestContext.Current.CancellationToken);
            watch.Stop();

            Assert.Equal(contentLength, body.Length);
            TestContext.Current.SendDiagnosticMessage($"normal scrape of {body.Length / 1_000_000.0:0.0} MB answered in {watch.Elapsed.TotalSeconds:0.000} s while another client's scrape stayed unread");
        }
    }

    [Fact]
    public async Task Scrape_ClientThatNeverReads_IsAbortedAtTheResponseTimeout()
    {
        _metrics.SetKernelTable(LargeTable(), OwnershipRecord.Empty);
        int port = FreePort(IPAddress.Loopback);
        string url = Start($"127.0.0.1:{port}", TimeSpan.FromSeconds(2));

        // The first scrape renders the table (which counts against its timeout, and takes seconds on a loaded host); the stuck one reuses it.
        using (var warm = new HttpClient { Timeout = Patience })
        {
            try
            {
                _ = await warm.GetByteArrayAsync(url, TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException)
            {
                // Cut at the timeout while rendering: the rendering is cached all the same.
            }
        }

        (Socket stuck, long contentLength) = await StuckClientAsync(port);
        using (stuck)
        {
            var watch = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
            long received = 0;
            byte[] buffer = new byte[1 << 16];
            using var patience = new CancellationTokenSource(Patience);
            try
            {
                int read;
                while ((read = await stuck.ReceiveAsync(buffer, SocketFlags.None, patience.Token)) > 0)
                {
                    received += read;
                }
            }
            catch (SocketException)
            {
                // Reset by the abort: what matters is that the body never completed.
            }

            Assert.True(received < contentLength, $"the unread scrape completed ({received} of {contentLength} bytes) instead of being aborted");
            TestContext.Current.SendDiagnosticMessage($"unread scrape aborted: {received} of {contentLength} bytes delivered, connection found closed when read {watch.Elapsed.TotalSeconds:0.0} s after the client stopped reading (timeout 2 s)");
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task Scrape_EitherFamily_IsAnswered(string host)
    {
        _metrics.SetKernelTable(KernelTable.Create([new KernelService(Service("10.99.0.10"), default, [new KernelRealServer(Server("10.1.1.2"), default)])]), OwnershipRecord.Empty);
        string url = Start($"{host}:{FreePort(host == "[::1]" ? IPAddress.IPv6Loopback : IPAddress.Loopback)}");
        using var client = new HttpClient { Timeout = Patience };

        string body = await client.GetStringAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(PrometheusText.Render(_metrics), body);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_serving is not null)
        {
            await _serving;
        }

        _server?.Dispose();
        _stop.Dispose();
    }
}
