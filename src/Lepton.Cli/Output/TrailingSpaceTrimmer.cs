using System.Text;

namespace Lepton.Cli.Output;

/// <summary>A writer that drops the spaces at the end of every line it passes on, so that a table written for a wide
/// virtual terminal reads cleanly in a pipe, a file or <c>grep</c>.</summary>
internal sealed class TrailingSpaceTrimmer(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    /// <inheritdoc/>
    public override Encoding Encoding => inner.Encoding;

    /// <inheritdoc/>
    public override void Write(char value)
    {
        if (value == '\n')
        {
            var end = _line.Length;
            while (end > 0 && (_line[end - 1] == ' ' || _line[end - 1] == '\r'))
            {
                end--;
            }

            inner.Write(_line.ToString(0, end));
            inner.Write('\n');
            _line.Clear();
            return;
        }

        _line.Append(value);
    }

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        foreach (var c in value ?? "")
        {
            Write(c);
        }
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        // Pass on the line so far, except its trailing spaces: they are written only if more text follows on the line.
        var end = _line.Length;
        while (end > 0 && _line[end - 1] == ' ')
        {
            end--;
        }

        inner.Write(_line.ToString(0, end));
        _line.Remove(0, end);
        inner.Flush();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }
}
