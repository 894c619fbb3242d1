namespace Lepton.Cli.Commands;

/// <summary>A user-facing error: printed as one line on stderr, no stack trace, with the given exit code.</summary>
/// <param name="message">What went wrong and, where it helps, what to do about it.</param>
/// <param name="exitCode">1 for an error, 2 for a usage mistake.</param>
internal sealed class CliError(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>The process exit code for this error.</summary>
    public int ExitCode { get; } = exitCode;
}
