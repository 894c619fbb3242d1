using System.Globalization;
using System.Text;

namespace Lepton.Simulation.Traces;

/// <summary>Reads a CSV file record by record, exposing fields as spans and parsing them with errors that name file, line and column.</summary>
/// <remarks>
/// The first non-blank line is the header. Blank lines are skipped but still counted, so line numbers match what an
/// editor shows. Fields are split on commas without allocating; a line that contains a double quote takes a slower path
/// that understands RFC 4180 quoting (<c>"a,b"</c>, <c>""</c> for a quote) within one line. Every record must have
/// exactly as many fields as the header. Lines are slices of the read buffer (no string per line) and are refused past
/// <see cref="InputLimits.MaxLineChars"/>.
/// <para>Measured against the maintained readers (issue 13), reading the 24 openb pod lists (12.2 MiB; name plus four
/// integer columns per row, 21 passes after 3 warm-ups, in a throwaway console app, on a 2-core machine shared with other builds):
/// this reader 282–364 ms median and 16.0 MiB allocated per pass (44.6 MiB before lines became buffer slices);
/// Sep 0.17.1 136–209 ms, 10.9 MiB; CsvHelper 34 109–178 ms, 10.7 MiB. So it does not win: the libraries are about
/// twice as fast. It is kept for now only because its callers depend on details the libraries do not give as they are
/// (file:line:column errors in Lepton's style, blank lines skipped but counted, the line-length limit that keeps a file
/// without line breaks from being buffered whole), and reading is a few hundred milliseconds next to a sweep of
/// seconds to minutes. Replacing the splitting below with Sep behind this same API is the follow-up.</para>
/// </remarks>
internal sealed class CsvRecordReader : IDisposable
{
    private readonly TextReader _reader;
    private ReadOnlyMemory<char> _line = ReadOnlyMemory<char>.Empty;
    private Range[] _fields = new Range[16];
    private readonly char[] _buffer = new char[1 << 14];
    private char[] _pending = new char[256];
    private int _pendingLength;
    private int _bufferStart;
    private int _bufferEnd;
    private bool _sawText;

    /// <summary>Reads the header from <paramref name="reader"/>; <paramref name="file"/> names the source in errors.</summary>
    public CsvRecordReader(TextReader reader, string file)
    {
        _reader = reader;
        File = file;
        if (!ReadNonBlankLine())
        {
            throw new TraceFormatException(file, 1, "header", "the file is empty; expected a header line");
        }

        var names = new string[FieldCount];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = _line.Span[_fields[i]].Trim().ToString();
        }

        Header = new CsvHeader(names, file, LineNumber);
    }

    /// <summary>The file name used in errors.</summary>
    public string File { get; }

    /// <summary>The header's columns.</summary>
    public CsvHeader Header { get; }

    /// <summary>The 1-based line number of the current record.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Number of fields in the current record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>Opens <paramref name="path"/> for reading (UTF-8, byte-order mark honoured).</summary>
    /// <exception cref="TraceFormatException">The file is larger than <see cref="InputLimits.MaxCsvBytes"/>.</exception>
    public static CsvRecordReader Open(string path)
    {
        InputLimits.EnsureSize(path, InputLimits.MaxCsvBytes, "CSV");
        return new(new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16), path);
    }

    /// <summary>Advances to the next record; false at the end of the file.</summary>
    public bool Read()
    {
        if (!ReadNonBlankLine())
        {
            return false;
        }

        if (FieldCount != Header.Count)
        {
            var column = FieldCount < Header.Count ? Header.Names[FieldCount] : $"column {Header.Count + 1}";
            throw new TraceFormatException(File, LineNumber, column, $"the line has {FieldCount} fields but the header has {Header.Count}");
        }

        return true;
    }

    /// <summary>The raw text of a field, surrounding spaces removed.</summary>
    public ReadOnlySpan<char> this[int column] => _line.Span[_fields[column]].Trim();

    /// <summary>True when the field is empty or <c>nan</c> (how pandas writes a missing value).</summary>
    public bool IsMissing(int column)
    {
        var text = this[column];
        return text.IsEmpty || text.Equals("nan", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The field as a new string.</summary>
    public string GetString(int column) => this[column].ToString();

    /// <summary>The name in <paramref name="column"/>, which must be non-empty and not seen before in this file.</summary>
    /// <param name="column">The name column.</param>
    /// <param name="firstLine">Names seen so far and the line each was first on; the name is added.</param>
    /// <param name="what">What the name names, for messages ("pod name": "pod name 'x' appears twice …").</param>
    /// <param name="emptyProblem">The message for an empty name; default "<paramref name="what"/> is empty".</param>
    /// <exception cref="TraceFormatException">The name is empty or appears twice.</exception>
    public string GetUniqueName(int column, Dictionary<string, int> firstLine, string what, string? emptyProblem = null)
    {
        var name = GetString(column);
        if (name.Length == 0)
        {
            throw Error(column, emptyProblem ?? $"{what} is empty");
        }

        if (!firstLine.TryAdd(name, LineNumber))
        {
            throw Error(column, $"{what} '{name}' appears twice (first on line {firstLine[name]})");
        }

        return name;
    }

    /// <summary>Parses an integer field in [<paramref name="min"/>, <paramref name="max"/>]; integral decimals such as <c>8.0</c> are accepted.</summary>
    public long GetInt64(int column, long min = 0, long max = long.MaxValue)
    {
        var text = this[column];
        if (text.IsEmpty)
        {
            throw Error(column, "is empty; expected an integer");
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            // pandas writes integer columns that once held a NaN as "8.0"; accept those, reject real fractions.
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d != Math.Floor(d) || double.IsInfinity(d)
                || d < long.MinValue || d > long.MaxValue)
            {
                throw Error(column, $"'{text}' is not an integer");
            }

            value = (long)d;
        }

        if (value < min || value > max)
        {
            throw Error(column, max == long.MaxValue ? $"{value} is out of range; expected at least {min}" : $"{value} is out of range; expected {min}..{max}");
        }

        return value;
    }

    /// <summary>Parses an integer field that must fit in an <see cref="int"/>.</summary>
    public int GetInt32(int column, int min = 0, int max = int.MaxValue) => (int)GetInt64(column, min, max);

    /// <summary>Parses a non-negative decimal field.</summary>
    public double GetDouble(int column)
    {
        var text = this[column];
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Error(column, text.IsEmpty ? "is empty; expected a number" : $"'{text}' is not a number");
        }

        if (value < 0)
        {
            throw Error(column, $"{text} is negative");
        }

        return value;
    }

    /// <summary>Parses <c>true</c>/<c>false</c> (also <c>yes</c>/<c>no</c>, <c>1</c>/<c>0</c>).</summary>
    public bool GetBoolean(int column)
    {
        var text = this[column];
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase) || text is "1")
        {
            return true;
        }

        if (text.Equals("false", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase) || text is "0")
        {
            return false;
        }

        throw Error(column, $"'{text}' is not a boolean; expected true or false");
    }

    /// <summary>Parses <c>key=value</c> pairs separated by <c>;</c> (a comma would split the CSV field).</summary>
    public IReadOnlyDictionary<string, string> GetLabels(int column)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = this[column];
        foreach (var range in text.Split(';'))
        {
            var pair = text[range].Trim();
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                throw Error(column, $"'{pair}' is not a key=value pair (pairs are separated by ';')");
            }

            var key = pair[..eq].Trim().ToString();
            if (!labels.TryAdd(key, pair[(eq + 1)..].Trim().ToString()))
            {
                throw Error(column, $"label '{key}' appears twice");
            }
        }

        return labels;
    }

    /// <summary>The index of a column the file must have; an error naming the column when the header lacks it.</summary>
    public int RequireColumn(string column)
    {
        var index = Header.IndexOf(column);
        return index >= 0 ? index : throw new TraceFormatException(File, LineNumber, column, "required column is missing from the header");
    }

    /// <summary>Rejects any header column not in <paramref name="known"/>, so a misspelt column never silently drops a constraint.</summary>
    /// <param name="known">The columns this kind of file may have.</param>
    /// <param name="kind">What a row is (node, task), for the message.</param>
    public void RejectUnknownColumns(IReadOnlyList<string> known, string kind)
    {
        foreach (var column in Header.Names)
        {
            if (!known.Contains(column, StringComparer.OrdinalIgnoreCase))
            {
                throw new TraceFormatException(File, LineNumber, column, $"unknown {kind} column; known columns are {string.Join(", ", known)}");
            }
        }
    }

    /// <summary>An error about a field of the current record.</summary>
    public TraceFormatException Error(int column, string problem) => new(File, LineNumber, Header.Names[column], problem);

    /// <inheritdoc/>
    public void Dispose() => _reader.Dispose();

    private bool ReadNonBlankLine()
    {
        while (ReadBoundedLine(out var line))
        {
            LineNumber++;
            if (line.Span.IsWhiteSpace())
            {
                continue;
            }

            if (line.Span.Contains('"'))
            {
                SplitQuoted(line.Span);
            }
            else
            {
                Split(line);
            }

            return true;
        }

        return false;
    }

    /// <summary>The next line, like <see cref="TextReader.ReadLine"/> but without allocating: the line is a slice of the
    /// read buffer (or of a reused one when it spans two reads), valid until the next call. Refused past
    /// <see cref="InputLimits.MaxLineChars"/> characters, so a file with no line breaks never becomes one giant line.</summary>
    private bool ReadBoundedLine(out ReadOnlyMemory<char> line)
    {
        _pendingLength = 0;
        while (true)
        {
            if (_bufferStart == _bufferEnd)
            {
                _bufferStart = 0;
                _bufferEnd = _reader.Read(_buffer, 0, _buffer.Length);
                if (_bufferEnd == 0)
                {
                    line = TakePending();
                    return _pendingLength > 0 || _sawText ? EndLine() : false;
                }
            }

            _sawText = true;
            var span = _buffer.AsSpan(_bufferStart, _bufferEnd - _bufferStart);
            var newline = span.IndexOf('\n');
            var take = newline < 0 ? span.Length : newline;
            if (newline >= 0 && _pendingLength == 0 && take <= InputLimits.MaxLineChars)
            {
                // The common case: the whole line is in the buffer.
                line = _buffer.AsMemory(_bufferStart, take > 0 && span[take - 1] == '\r' ? take - 1 : take);
                _bufferStart += newline + 1;
                return EndLine();
            }

            if (_pendingLength + take > InputLimits.MaxLineChars)
            {
                throw new TraceFormatException(File, LineNumber + 1, "line",
                    $"longer than {InputLimits.MaxLineChars:N0} characters; is this a CSV file?");
            }

            if (_pendingLength + take > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + take));
            }

            span[..take].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += take;
            _bufferStart += take;
            if (newline >= 0)
            {
                _bufferStart++;
                line = TakePending();
                return EndLine();
            }
        }
    }

    private bool EndLine()
    {
        _sawText = false;
        return true;
    }

    private ReadOnlyMemory<char> TakePending()
    {
        var length = _pendingLength > 0 && _pending[_pendingLength - 1] == '\r' ? _pendingLength - 1 : _pendingLength;
        return _pending.AsMemory(0, length);
    }

    private void Split(ReadOnlyMemory<char> memory)
    {
        _line = memory;
        var line = memory.Span;
        var count = 0;
        var start = 0;
        while (true)
        {
            var next = line[start..].IndexOf(',');
            var comma = next < 0 ? -1 : start + next;
            var end = comma < 0 ? line.Length : comma;
            Add(ref count, new Range(start, end));
            if (comma < 0)
            {
                break;
            }

            start = comma + 1;
        }

        FieldCount = count;
    }

    private void SplitQuoted(ReadOnlySpan<char> line)
    {
        // Unescape into one buffer and keep ranges into it, so the accessors stay the same as on the fast path.
        var buffer = new StringBuilder(line.Length);
        var count = 0;
        var i = 0;
        while (true)
        {
            var start = buffer.Length;
            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }

            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new TraceFormatException(File, LineNumber, count < (Header?.Count ?? 0) ? Header!.Names[count] : $"column {count + 1}",
                            "unterminated quoted field (a field cannot span lines)");
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            buffer.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    buffer.Append(line[i++]);
                }

                while (i < line.Length && line[i] != ',')
                {
                    i++;
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    buffer.Append(line[i++]);
                }
            }

            Add(ref count, new Range(start, buffer.Length));
            if (i >= line.Length)
            {
                break;
            }

            i++; // the comma
        }

        _line = buffer.ToString().AsMemory();
        FieldCount = count;
    }

    private void Add(ref int count, Range range)
    {
        if (count == _fields.Length)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[count++] = range;
    }
}
