namespace Lepton.Agent.Execution;

/// <summary>One line a task wrote, with the stream it came from and when the agent read it.</summary>
/// <param name="Stream"><c>stdout</c> or <c>stderr</c>.</param>
/// <param name="Text">The line without its newline.</param>
/// <param name="Time">When the agent read it.</param>
public sealed record LogLine(string Stream, string Text, DateTimeOffset Time);
