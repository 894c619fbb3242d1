using System.Runtime.InteropServices;

namespace Lepton.Cli.Commands;

/// <summary>Turns SIGINT (Ctrl-C) and SIGTERM into a cancellation, so that long-running commands stop their children and exit cleanly.</summary>
/// <remarks>Without this, SIGTERM ends a .NET process without running pending <c>finally</c> blocks of async code, which
/// would leave <c>lepton up</c>'s server and agents, or an agent's tasks, running.</remarks>
internal sealed class TerminationSignal : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>Starts listening; the token also fires when <paramref name="outer"/> does.</summary>
    public TerminationSignal(CancellationToken outer)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = OperatingSystem.IsWindows()
            ? []
            : [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Fires on the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _source.Token;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        // Keep the process alive: the command winds down and returns its own exit code.
        context.Cancel = true;
        _source.Cancel();
    }
}
