using System.Net;

namespace Lepton.Agent;

/// <summary>The server answered an agent call with an error status.</summary>
public sealed class ServerException(HttpStatusCode status, string message) : Exception(message)
{
    /// <summary>The HTTP status the server returned.</summary>
    public HttpStatusCode Status { get; } = status;
}
