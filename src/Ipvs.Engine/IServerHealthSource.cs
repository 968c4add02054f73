using Ipvs.Core.Desired;
using Ipvs.Core.Health;

namespace Ipvs.Engine;

/// <summary>Where the assembler learns which checked real servers are up: the daemon's monitor, or the state it last saved.</summary>
internal interface IServerHealthSource
{
    /// <summary>Told each merged desired state, before the health rules, so a monitor checks what it names.</summary>
    void Track(DesiredState desired);

    /// <summary>The health of <paramref name="target"/>, or null when unknown (its check's start state then rules).</summary>
    ServerHealth? HealthOf(HealthTarget target);
}
