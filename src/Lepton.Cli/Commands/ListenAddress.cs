using System.Net;
using System.Net.Sockets;

namespace Lepton.Cli.Commands;

/// <summary>Checks that the server's listen URLs are free before the host starts, so a busy port is one clean line
/// rather than the host's logged stack trace followed by the error.</summary>
internal static class ListenAddress
{
    /// <summary>Throws a <see cref="CliError"/> naming the URL when one of <paramref name="urls"/> (separated by ';') is taken.</summary>
    /// <remarks>A port taken between this check and the real bind is still reported, by the caller's catch, after the host's log line.</remarks>
    public static void EnsureFree(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                    UriKind.Absolute, out var uri) || uri.Port == 0)
            {
                continue;
            }

            var address = uri.Host switch
            {
                "localhost" => IPAddress.Loopback,
                _ when IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) => parsed,
                _ => null,
            };
            if (address is null)
            {
                continue;
            }

            try
            {
                using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (!OperatingSystem.IsWindows())
                {
                    // As Kestrel binds on Unix: connections of a server that just stopped (TIME_WAIT) do not make the port busy,
                    // a socket listening on it still does.
                    probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                }

                probe.Bind(new IPEndPoint(address, uri.Port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                var why = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "the port is already in use" : "permission denied";
                throw new CliError($"cannot listen on {url}: {why}; stop what is using it or choose another with --urls http://127.0.0.1:PORT");
            }
            catch (SocketException)
            {
                // Anything else (an address this machine does not have) the host reports itself.
            }
        }
    }
}
