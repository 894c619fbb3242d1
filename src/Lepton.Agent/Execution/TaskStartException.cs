namespace Lepton.Agent.Execution;

/// <summary>A task's command could not be started at all (empty, not found, not executable).</summary>
public sealed class TaskStartException(string message) : Exception(message);
