using System.Text;
using Ipvs.Core.Model;

namespace Ipvs.Netlink.Ipvs;

/// <summary>
/// Turns the scheduler and persistence-engine names of kernel replies into strings without allocating for the names
/// the kernel ships, so that decoding a dump of thousands of services allocates nothing per entry.
/// </summary>
internal static class IpvsNames
{
    private static readonly (byte[] Utf8, string Text)[] _schedulers = Table([.. IpvsVocabulary.Schedulers, IpvsVocabulary.NoScheduler]);

    private static readonly (byte[] Utf8, string Text)[] _persistenceEngines = Table("sip");

    public static string Scheduler(ReadOnlySpan<byte> utf8) => Intern(utf8, _schedulers);

    public static string PersistenceEngine(ReadOnlySpan<byte> utf8) => Intern(utf8, _persistenceEngines);

    private static string Intern(ReadOnlySpan<byte> utf8, (byte[] Utf8, string Text)[] table)
    {
        foreach ((byte[] known, string text) in table)
        {
            if (utf8.SequenceEqual(known))
            {
                return text;
            }
        }

        return Encoding.UTF8.GetString(utf8);
    }

    private static (byte[] Utf8, string Text)[] Table(params string[] names) =>
        [.. names.Select(name => (Encoding.UTF8.GetBytes(name), name))];
}
