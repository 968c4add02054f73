namespace Ipvs.Core.Model;

/// <summary>Virtual service flags (IP_VS_SVC_F_*).</summary>
[Flags]
public enum ServiceFlags : uint
{
    None = 0,
    Persistent = 0x0001,
    /// <summary>Set by the kernel on every service in its table; never requested.</summary>
    Hashed = 0x0002,
    OnePacket = 0x0004,
    /// <summary>Scheduler flag 1: sh-fallback for sh, mh-fallback for mh.</summary>
    ShFallback = 0x0008,
    /// <summary>Scheduler flag 2: sh-port for sh, mh-port for mh.</summary>
    ShPort = 0x0010,
    SchedulerFlag3 = 0x0020,
}
