namespace Lepton.Agent.Execution;

/// <summary>How the agent isolates the tasks it runs from itself, from the machine and from each other.</summary>
public enum IsolationMode
{
    /// <summary>Each task in its own mount, PID, IPC and UTS namespaces, with the agent's files hidden (see <see cref="TaskSandbox"/>).</summary>
    Namespaces,

    /// <summary>No isolation: tasks run as the agent's user and see what it sees. Only when the operator asks for it.</summary>
    None,
}
