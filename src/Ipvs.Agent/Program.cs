using System.Reflection;

namespace Ipvs.Agent;

internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--version"])
        {
            Console.WriteLine(typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");
            return 0;
        }

        Console.Error.WriteLine("usage: ipvs-agent --version");
        return 2;
    }
}
