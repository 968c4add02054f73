using Docker.DotNet.Models;
using Ipvs.Docker.Discovery;

namespace Ipvs.Docker.Tests.Discovery;

public sealed class SwarmInventoryTests
{
    private static SwarmInventory With(params (TaskState Desired, TaskState State)[] tasks) => new(
        [],
        [.. tasks.Select((task, index) => new TaskResponse
        {
            ID = $"task-{index}",
            DesiredState = task.Desired,
            Status = new global::Docker.DotNet.Models.TaskStatus { State = task.State },
        })],
        []);

    [Theory]
    [InlineData(TaskState.Pending)]
    [InlineData(TaskState.Assigned)]
    [InlineData(TaskState.Preparing)]
    [InlineData(TaskState.Starting)]
    public void HasTasksStarting_TaskWantedRunningNotStartedYet_True(TaskState state) =>
        Assert.True(With((TaskState.Running, TaskState.Running), (TaskState.Running, state)).HasTasksStarting);

    [Theory]
    [InlineData(TaskState.Running, TaskState.Running)]
    [InlineData(TaskState.Running, TaskState.Failed)]
    [InlineData(TaskState.Shutdown, TaskState.Pending)]
    [InlineData(TaskState.Shutdown, TaskState.Running)]
    public void HasTasksStarting_NoTaskOnItsWayToRunning_False(TaskState desired, TaskState state) =>
        Assert.False(With((desired, state)).HasTasksStarting);
}
