using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Lepton.Server.Power;

/// <summary>An admin's power-off or power-on command: a program and its arguments, run with the node name appended as one
/// more argument, never through a shell.</summary>
/// <remarks>The command line comes from the admin (<c>lepton serve --power-off-command</c>) and is split on whitespace, with
/// double quotes grouping words. The node name comes from an agent, so it is untrusted: it must match the registration rule
/// (letters, digits, '.', '_', '-', starting with a letter or digit, so never an option) and is passed as its own argv
/// element, where no character of it can mean anything to a shell.</remarks>
internal sealed partial class PowerCommand
{
    private readonly string[] _argv;

    /// <summary>Parses <paramref name="commandLine"/>.</summary>
    /// <exception cref="ArgumentException">The command line is empty or has an unclosed quote.</exception>
    public PowerCommand(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        _argv = Split(commandLine);
        if (_argv.Length == 0)
        {
            throw new ArgumentException("a power command must name a program");
        }

        Text = commandLine;
    }

    /// <summary>The command line as the admin gave it.</summary>
    public string Text { get; }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NodeName();

    /// <summary>Runs the command for <paramref name="node"/>; returns null on exit code 0, otherwise why it failed.</summary>
    public async Task<string?> RunAsync(string node, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!NodeName().IsMatch(node))
        {
            return $"refused to run for node name '{node}': not a valid node name";
        }

        var start = new ProcessStartInfo(_argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in _argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(node);
        start.Environment["LEPTON_NODE"] = node;
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("the process did not start");
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return $"'{Text}' did not finish within {timeout.TotalSeconds:0} s (killed)";
            }

            if (process.ExitCode == 0)
            {
                return null;
            }

            var error = (await stderr.ConfigureAwait(false)).Trim();
            var firstLine = error.Split('\n')[0];
            return $"'{Text}' exited with {process.ExitCode}{(firstLine.Length > 0 ? ": " + firstLine[..Math.Min(200, firstLine.Length)] : "")}";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return $"'{Text}' could not be started: {e.Message}";
        }
    }

    private static string[] Split(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var inWord = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (quoted)
        {
            throw new ArgumentException($"power command '{line}': unclosed double quote");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return [.. words];
    }
}
