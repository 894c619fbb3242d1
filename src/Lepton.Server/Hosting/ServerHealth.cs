namespace Lepton.Server.Hosting;

/// <summary>Whether the server hit a fatal error: set once, it stops the host, and <c>lepton serve</c> exits non-zero with it.</summary>
public sealed class ServerHealth(Action stopHost)
{
    private string? _fatal;

    /// <summary>The fatal error that stopped the server, or null.</summary>
    public string? FatalError => Volatile.Read(ref _fatal);

    /// <summary>Records a fatal error (the first one wins) and stops the host.</summary>
    public void Fatal(string reason)
    {
        if (Interlocked.CompareExchange(ref _fatal, reason, null) is null)
        {
            stopHost();
        }
    }
}
