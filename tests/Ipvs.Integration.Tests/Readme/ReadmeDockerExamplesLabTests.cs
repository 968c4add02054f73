using CliWrap.Buffered;
using Ipvs.Integration.Tests.Agent.Support;
using Ipvs.Integration.Tests.Docker.Support;

namespace Ipvs.Integration.Tests.Readme;

/// <summary>
/// The README's Docker label example, run as written against the lab's dockerd while an agent runs: the labelled
/// container must become the virtual service the labels describe. No registry is reachable, so the image it names,
/// <c>nginx</c>, is a stand-in committed from the lab's busybox image with an httpd as its command.
/// </summary>
[Trait("Category", "LabDocker")]
[Collection(DockerLab.Name)]
public sealed class ReadmeDockerExamplesLabTests : IDisposable
{
    private static readonly TimeSpan ScriptTimeout = LabDocker.StartDeadline * 2;

    private readonly ScratchDirectory _scratch = new("ipvs-readme-docker-");

    [Fact]
    public async Task Readme_DockerLabelExample_RunsAsWrittenAndBecomesTheServiceItDescribes()
    {
        if (!LabDocker.Available)
        {
            Assert.Skip($"{LabDocker.Socket} is absent: no Docker engine here (run inside vagrant/lab/run --docker)");
        }

        ReadmeExample example = Assert.Single(ReadmeExamples.Load(), example => example.Kind == "docker");
        var script = new ReadmeScript(_scratch.Path);
        script.Append($$"""
            cleanup() {
                if [[ -n ${agent:-} ]]; then kill -TERM "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; fi
                ids=$(docker ps -aq --filter ancestor=nginx 2>/dev/null || true)
                if [[ -n $ids ]]; then docker rm -f $ids >/dev/null 2>&1 || true; fi
                docker rmi nginx >/dev/null 2>&1 || true
            }
            trap cleanup EXIT
            echo "== the test: an nginx stand-in (busybox httpd) and an agent in this network namespace"
            docker rm -f readme-nginx-base >/dev/null 2>&1 || true
            docker create --name readme-nginx-base {{LabDocker.Image}} true >/dev/null
            docker commit --change 'CMD ["sh", "-c", "echo nginx > /www/index.html && exec httpd -f -p 80 -h /www"]' readme-nginx-base nginx >/dev/null
            docker rm readme-nginx-base >/dev/null
            ipvs-agent run --allowed-vip-cidr 10.99.0.0/16 --state-dir "$scratch/state" --metrics-address off >agent.log 2>&1 &
            agent=$!
            eventually 120 grep -q 'ipvs-agent running' agent.log || { cat agent.log >&2; exit 1; }
            """);
        script.Run(example);
        script.Append("""
            id=$(docker ps -q --filter ancestor=nginx)
            address=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$id")
            echo "== the test: the labelled container ($id, $address) as the README says: wrr, weight 3"
            has_rules() { ipvsadm -Sn | grep -qx -- '-A -t 10.99.0.10:80 -s wrr' && ipvsadm -Sn | grep -qx -- "-a -t 10.99.0.10:80 -r $address:80 -m -w 3"; }
            eventually 120 has_rules || { ipvsadm -Sn >&2; cat agent.log >&2; exit 1; }
            ipvsadm -Sn
            """);

        BufferedCommandResult result = await script.RunAsync(ScriptTimeout);

        Assert.True(result.ExitCode == 0,
            $"the README's Docker example failed (exit {result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}\n--- script ---\n{script}");
        Assert.Contains("-a -t 10.99.0.10:80 -r", result.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => _scratch.Dispose();
}
