using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Ipvs.Docker;

/// <summary>
/// Accepts a Docker engine's certificate only if it chains to one CA (not the system's store: Docker's CAs are private)
/// and names the host the endpoint names; keeps why the last one was refused.
/// </summary>
/// <remarks>Our own rather than the library's callback, so the refusal can say which check failed.</remarks>
public sealed class ServerCertificateCheck(X509Certificate2 certificateAuthority)
{
    private volatile string? _lastRefusal;

    /// <summary>Why the last certificate was refused, or null.</summary>
    public string? LastRefusal => _lastRefusal;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            _lastRefusal = "the engine presented no certificate";
            return false;
        }

        using X509Certificate2 presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            _lastRefusal = $"the engine's certificate ({presented.Subject}) does not name the host the endpoint names";
            return false;
        }

        if (ChainProblem(presented, certificateAuthority, chain?.ChainPolicy.ExtraStore) is { } problem)
        {
            _lastRefusal = $"the engine's certificate ({presented.Subject}) is not signed by the configured CA ({certificateAuthority.Subject}): {problem}";
            return false;
        }

        _lastRefusal = null;
        return true;
    }

    /// <summary>
    /// Null when <paramref name="presented"/> chains to <paramref name="authority"/> alone (no system CA counts, no
    /// revocation lookup: Docker's CAs are private), else what the chain builder found wrong.
    /// </summary>
    public static string? ChainProblem(X509Certificate2 presented, X509Certificate2 authority, X509Certificate2Collection? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (intermediates is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        }

        return chain.Build(presented)
            ? null
            : string.Join("; ", chain.ChainStatus.Select(item => item.StatusInformation.Trim()).Where(text => text.Length > 0).Distinct());
    }
}
