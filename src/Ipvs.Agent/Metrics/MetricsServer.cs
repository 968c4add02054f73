using System.Net;
using System.Text;
using Serilog;

namespace Ipvs.Agent.Metrics;

/// <summary>A minimal HTTP endpoint serving <c>/metrics</c> (no ASP.NET needed): one request at a time is plenty for a scraper.</summary>
internal sealed class MetricsServer(string address, AgentMetrics metrics, ILogger log) : IDisposable
{
    private readonly HttpListener _listener = new();

    public string Prefix { get; } = $"http://{address}/";

    public void Start()
    {
        _listener.Prefixes.Add(Prefix);
        _listener.Start();
        log.Information("Metrics at {Prefix}metrics", Prefix);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration stop = cancellationToken.Register(_listener.Stop);
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Respond(context);
            }
            catch (HttpListenerException exception)
            {
                log.Debug("Metrics request failed: {Error}", exception.Message);
            }
        }
    }

    private void Respond(HttpListenerContext context)
    {
        using HttpListenerResponse response = context.Response;
        string path = context.Request.Url?.AbsolutePath ?? "/";
        byte[] body;
        if (path is "/metrics" or "/")
        {
            response.ContentType = PrometheusText.ContentType;
            body = Encoding.UTF8.GetBytes(PrometheusText.Render(metrics));
        }
        else
        {
            response.StatusCode = 404;
            body = Encoding.UTF8.GetBytes("not found: try /metrics\n");
        }

        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();
}
