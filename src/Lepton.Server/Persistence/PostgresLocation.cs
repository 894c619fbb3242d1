using System.Globalization;
using Npgsql;

namespace Lepton.Server.Persistence;

/// <summary>A PostgreSQL database named by a URL, <c>postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?host=/socket/dir&amp;sslmode=...]</c>.</summary>
/// <remarks>The password may also come from <c>PGPASSWORD</c> or a <c>.pgpass</c> file (Npgsql reads both). <see cref="Display"/>
/// never contains the password, so messages and logs can show it.</remarks>
internal sealed record PostgresLocation(string ConnectionString, string Display)
{
    /// <summary>Whether <paramref name="text"/> is meant as a PostgreSQL URL (rather than, say, a typo of one).</summary>
    public static bool IsPostgresUrl(string text) =>
        text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a URL; throws <see cref="ArgumentException"/> with a one-line message naming what is wrong.</summary>
    public static PostgresLocation Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        const string Shape = "expected postgres://USER@HOST:PORT/DATABASE";
        // postgres://USER@/DB?host=/socket/dir names no host before the path; Uri needs one.
        var socketOnly = url.Contains("@/", StringComparison.Ordinal);
        if (!IsPostgresUrl(url) || !Uri.TryCreate(socketOnly ? url.Replace("@/", "@localhost/", StringComparison.Ordinal) : url, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"'{Redact(url)}' is not a PostgreSQL URL ({Shape})");
        }

        var query = ParseQuery(uri.Query);
        var host = socketOnly ? "" : uri.Host;
        if (query.Remove("host", out var socketDir))
        {
            host = socketDir;
        }

        if (host.Length == 0)
        {
            throw new ArgumentException($"'{Redact(url)}': no host ({Shape}, or ?host=/socket/dir)");
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{Redact(url)}': no database name ({Shape})");
        }

        var userInfo = uri.UserInfo.Split(':', 2);
        var user = Uri.UnescapeDataString(userInfo[0]);
        if (user.Length == 0)
        {
            throw new ArgumentException($"'{Redact(url)}': no user ({Shape})");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
            Username = user,
            Timeout = 5,
            // A writer paused (SIGSTOP, a long GC) inside a transaction holds the leader row's lock: the server drops such a
            // session so that another server can take over; 10 s is longer than any commit of ours.
            Options = "-c idle_in_transaction_session_timeout=10000 -c lock_timeout=2000",
            // The writer sends the same few statements in every group commit: let the server parse and plan them once.
            MaxAutoPrepare = 32,
            AutoPrepareMinUsages = 2,
            // No session state to reset (settings come from Options): skip DISCARD ALL, which would also drop prepared statements.
            NoResetOnClose = true,
        };
        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        foreach (var (key, value) in query)
        {
            if (key.ToLowerInvariant() is not ("sslmode" or "connect_timeout" or "application_name"))
            {
                throw new ArgumentException($"'{Redact(url)}': unknown parameter '{key}' (known: host, sslmode, connect_timeout, application_name)");
            }

            try
            {
                switch (key.ToLowerInvariant())
                {
                    case "sslmode":
                        builder.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true);
                        break;
                    case "connect_timeout":
                        builder.Timeout = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    default:
                        builder.ApplicationName = value;
                        break;
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new ArgumentException($"'{Redact(url)}': bad value '{value}' for '{key}'");
            }
        }

        return new PostgresLocation(builder.ConnectionString, $"postgres://{user}@{host}:{builder.Port}/{database}");
    }

    /// <summary>The URL with any password replaced by <c>***</c>.</summary>
    public static string Redact(string url)
    {
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0 || at < scheme)
        {
            return url;
        }

        var colon = url.IndexOf(':', scheme + 3);
        return colon >= 0 && colon < at ? url[..(colon + 1)] + "***" + url[at..] : url;
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            result[Uri.UnescapeDataString(parts[0])] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
        }

        return result;
    }
}
