using System.Diagnostics;
using System.Globalization;
using Ipvs.Integration.Tests.Agent;
using Ipvs.Integration.Tests.Agent.Support;

namespace Ipvs.Integration.Tests.Health.Support;

/// <summary>
/// The python3 programs the health-check lab tests run in <see cref="DirectorNetwork"/>'s namespaces: backends that
/// answer, backends that accept and never answer, and a bounded HTTP client that counts who answered.
/// </summary>
internal static class HealthBackends
{
    /// <summary>HTTP on port 8080: every GET (any path, so /healthz too) answers 200 with the backend's name (argv[1]).</summary>
    public const string HttpServer = """
        import http.server, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = sys.argv[1].encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
        """;

    /// <summary>Port 8080 accepts TCP connections and holds them without reading or writing a byte (a hung application).</summary>
    public const string SilentServer = """
        import socket
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 8080)); s.listen(64)
        held = []
        while True:
            c, _ = s.accept()
            held.append(c)
            del held[:-200]
        """;

    /// <summary>
    /// The UDP failover test's echo on 5300 (answers each datagram with the backend's name, argv[1]), and beside it a TCP listener on 9000
    /// that only accepts, for a TCP health check (checks are TCP or HTTP; the UDP service itself cannot be checked).
    /// One process: killing it stops both, as a crashed daemon would.
    /// </summary>
    public const string UdpEchoWithCheckPort = """
        import socket, threading
        def accept():
            t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind(("0.0.0.0", 9000)); t.listen(16)
            while True:
                c, _ = t.accept()
                c.close()
        threading.Thread(target=accept, daemon=True).start()
        """ + "\n" + UdpFailoverLabTests.EchoServer;

    /// <summary>
    /// argv[2] HTTP GETs to http://argv[1]/, one new connection each, for at most argv[3] seconds; prints one line:
    /// "requests failed seconds name=count..." then one line per distinct failure ("error TEXT").
    /// </summary>
    private const string HttpClient = """
        import socket, sys, time
        vip, count, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
        answers, errors, failed, done = {}, {}, 0, 0
        start = time.monotonic()
        while done < count and time.monotonic() - start < limit:
            done += 1
            try:
                c = socket.create_connection((vip, 80), timeout=5)
                c.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
                data = b""
                while True:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                c.close()
                head, _, body = data.partition(b"\r\n\r\n")
                if head.split(b" ")[1:2] != [b"200"]:
                    raise OSError("status line %r" % head[:40])
                name = body.decode() or "(empty)"
                answers[name] = answers.get(name, 0) + 1
            except Exception as e:
                failed += 1
                errors[str(e)] = errors.get(str(e), 0) + 1
        print(done, failed, "%.3f" % (time.monotonic() - start), *("%s=%d" % item for item in sorted(answers.items())))
        for text, n in errors.items():
            print("error", n, text)
        """;

    /// <summary>Runs the bounded HTTP client in the client namespace against <paramref name="vip"/>:80.</summary>
    public static async Task<HttpClientRun> RunHttpClientAsync(DirectorNetwork network, string vip, int requests, TimeSpan limit)
    {
        string printed = await network.RunClientAsync(HttpClient, vip, requests.ToString(CultureInfo.InvariantCulture), limit.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        string[] lines = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] words = lines[0].Split(' ');
        var answers = words.Skip(3).Select(word => word.Split('=')).ToDictionary(pair => pair[0], pair => int.Parse(pair[1], CultureInfo.InvariantCulture));
        return new HttpClientRun(
            int.Parse(words[0], CultureInfo.InvariantCulture),
            int.Parse(words[1], CultureInfo.InvariantCulture),
            double.Parse(words[2], CultureInfo.InvariantCulture),
            answers,
            [.. lines.Skip(1)]);
    }

    /// <summary>
    /// Runs the client (10 requests at a time) until every one of <paramref name="backends"/> has answered through the
    /// VIP: the backends' python needs seconds to start in a loaded lab. Fails with the last run when
    /// <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task<HttpClientRun> WaitForAnswersAsync(DirectorNetwork network, string vip, IReadOnlyCollection<string> backends, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            HttpClientRun run = await RunHttpClientAsync(network, vip, 10, TimeSpan.FromSeconds(30));
            if (backends.All(backend => run.AnsweredBy(backend) > 0))
            {
                return run;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"answers from {string.Join(" and ", backends)} through {vip}:80: not all seen within {timeout.TotalSeconds:0} s; the last 10 requests: {run}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>What the bounded HTTP client saw.</summary>
/// <param name="Requests">Requests made (fewer than asked when the time limit ended the loop).</param>
/// <param name="Failed">Requests without a 200 answer.</param>
/// <param name="Seconds">How long the loop ran.</param>
/// <param name="Answers">200 answers by the name of the backend that gave them.</param>
/// <param name="Errors">"error COUNT TEXT" for each kind of failure.</param>
internal sealed record HttpClientRun(int Requests, int Failed, double Seconds, IReadOnlyDictionary<string, int> Answers, IReadOnlyList<string> Errors)
{
    public int AnsweredBy(string backend) => Answers.TryGetValue(backend, out int count) ? count : 0;

    public override string ToString() =>
        $"{Requests} requests in {Seconds:0.0} s, {Failed} failed; answered by {(Answers.Count == 0 ? "nobody" : string.Join(", ", Answers.Select(pair => $"{pair.Key} {pair.Value}")))}"
        + (Errors.Count == 0 ? string.Empty : "; " + string.Join("; ", Errors));
}
