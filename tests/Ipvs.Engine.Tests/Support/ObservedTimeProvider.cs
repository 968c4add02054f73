using Microsoft.Extensions.Time.Testing;

namespace Ipvs.Engine.Tests.Support;

/// <summary>
/// Fake time that also knows how many of its timers are armed, and how many were ever created. A loop that has armed a
/// timer is waiting; moving time only then keeps every gap a test measures exact however slowly the machine runs the
/// loop between two waits. (Shared with the Docker source's tests.)
/// </summary>
internal sealed class ObservedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private int _armed;
    private int _created;

    public int ArmedTimers => Volatile.Read(ref _armed);

    /// <summary>Timers created so far: a loop that creates one after acting on an input has acted on it.</summary>
    public int CreatedTimers => Volatile.Read(ref _created);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _created);
        var observed = new ObservedTimer(this);
        observed.Inner = base.CreateTimer(observed.Fire, (callback, state), dueTime, period);
        observed.Arm(dueTime, period);
        return observed;
    }

    private sealed class ObservedTimer(ObservedTimeProvider owner) : ITimer
    {
        private int _armed;
        private bool _periodic;

        public ITimer Inner { get; set; } = null!;

        public void Arm(TimeSpan dueTime, TimeSpan period)
        {
            _periodic = period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero;
            Set(dueTime != Timeout.InfiniteTimeSpan);
        }

        public void Fire(object? state)
        {
            var (callback, inner) = ((TimerCallback, object?))state!;
            if (!_periodic)
            {
                Set(false);
            }

            callback(inner);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(dueTime, period);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            Set(false);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Set(false);
            return Inner.DisposeAsync();
        }

        private void Set(bool armed)
        {
            if (Interlocked.Exchange(ref _armed, armed ? 1 : 0) != (armed ? 1 : 0))
            {
                Interlocked.Add(ref owner._armed, armed ? 1 : -1);
            }
        }
    }
}
