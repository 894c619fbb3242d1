namespace Lepton.Server;

/// <summary>The server cannot start (a broken, full or unreadable data directory); the message is one line for the operator.</summary>
public sealed class ServerStartException(string message, Exception? inner = null) : Exception(message, inner);
