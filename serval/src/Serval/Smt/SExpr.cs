using System.Text;

namespace Serval.Smt;

/// <summary>An SMT-LIB2 s-expression: an atom (symbol, numeral, literal, keyword, string) or a list.</summary>
public sealed class SExpr
{
    private SExpr(string? atom, IReadOnlyList<SExpr>? items, bool isString, int line, bool isQuoted = false)
    {
        Atom = atom;
        Items = items ?? [];
        IsString = isString;
        IsQuoted = isQuoted;
        Line = line;
    }

    /// <summary>The atom's text (quoted symbols without bars, strings unescaped), or null for a list.</summary>
    public string? Atom { get; }

    /// <summary>The list's items (empty for atoms).</summary>
    public IReadOnlyList<SExpr> Items { get; }

    /// <summary>Whether this is a list.</summary>
    public bool IsList => Atom is null;

    /// <summary>Whether the atom was a string literal.</summary>
    public bool IsString { get; }

    /// <summary>Whether the atom was a symbol written between bars (<c>|x y|</c>).</summary>
    public bool IsQuoted { get; }

    /// <summary>The 1-based line where the expression starts.</summary>
    public int Line { get; }

    /// <summary>The item at <paramref name="index"/>.</summary>
    public SExpr this[int index] => Items[index];

    /// <summary>The number of items of a list.</summary>
    public int Count => Items.Count;

    /// <summary>Whether this is the atom <paramref name="text"/>.</summary>
    public bool Is(string text) => Atom == text && !IsString;

    /// <summary>An atom.</summary>
    public static SExpr FromAtom(string atom, int line = 0) => new(atom, null, false, line);

    /// <summary>A list.</summary>
    public static SExpr FromList(IReadOnlyList<SExpr> items, int line = 0) => new(null, items, false, line);

    /// <summary>Parses every expression in <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">The text is not well formed (the message names the line).</exception>
    public static IReadOnlyList<SExpr> ParseAll(string text)
    {
        var reader = new SExprReader(new StringReader(text));
        var result = new List<SExpr>();
        while (reader.Read() is { } expression)
        {
            result.Add(expression);
        }
        return result;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        if (Atom is not null)
        {
            return IsString ? "\"" + Atom.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
                : IsQuoted ? "|" + Atom + "|"
                : Atom;
        }
        return "(" + string.Join(" ", Items) + ")";
    }

    internal static SExpr String(string text, int line) => new(text, null, true, line);

    internal static SExpr Quoted(string symbol, int line) => new(symbol, null, false, line, isQuoted: true);
}

/// <summary>Reads s-expressions one at a time from a text stream (a file or a solver's output).</summary>
public sealed class SExprReader
{
    /// <summary>
    /// The deepest nesting read: deeper input is refused with a message rather than overflowing the stack of the
    /// recursive readers and printers downstream (a stack overflow cannot be caught and ends the process).
    /// </summary>
    public const int MaxDepth = 10_000;

    private readonly TextReader _reader;
    private int _line = 1;
    private int _depth;

    /// <summary>Reads from <paramref name="reader"/>.</summary>
    public SExprReader(TextReader reader) => _reader = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <summary>The current 1-based line.</summary>
    public int Line => _line;

    /// <summary>The next expression, or null at the end of the input.</summary>
    /// <exception cref="FormatException">Malformed input, naming the line.</exception>
    public SExpr? Read()
    {
        SkipSpaceAndComments();
        var c = _reader.Peek();
        if (c < 0)
        {
            return null;
        }
        if (c == ')')
        {
            throw new FormatException($"line {_line}: unexpected ')'");
        }
        return ReadExpression();
    }

    private SExpr ReadExpression()
    {
        var line = _line;
        var c = _reader.Peek();
        if (c == '(')
        {
            if (_depth == MaxDepth)
            {
                throw new FormatException($"line {line}: expressions nested more than {MaxDepth} deep are not supported (bind subterms with let)");
            }
            Next();
            var items = new List<SExpr>();
            while (true)
            {
                SkipSpaceAndComments();
                c = _reader.Peek();
                if (c < 0)
                {
                    throw new FormatException($"line {line}: unclosed '('");
                }
                if (c == ')')
                {
                    Next();
                    return SExpr.FromList(items, line);
                }
                _depth++;
                try
                {
                    items.Add(ReadExpression());
                }
                finally
                {
                    _depth--;
                }
            }
        }
        if (c == '|')
        {
            Next();
            return SExpr.Quoted(ReadUntil('|', line, "quoted symbol"), line);
        }
        if (c == '"')
        {
            Next();
            var text = new StringBuilder();
            while (true)
            {
                text.Append(ReadUntil('"', line, "string"));
                if (_reader.Peek() != '"')
                {
                    return SExpr.String(text.ToString(), line);
                }
                Next();
                text.Append('"');
            }
        }
        var atom = new StringBuilder();
        while ((c = _reader.Peek()) >= 0 && !char.IsWhiteSpace((char)c) && c is not '(' and not ')' and not ';' and not '|' and not '"')
        {
            atom.Append((char)Next());
        }
        return SExpr.FromAtom(atom.ToString(), line);
    }

    private string ReadUntil(char end, int line, string what)
    {
        var text = new StringBuilder();
        while (true)
        {
            var c = Next();
            if (c < 0)
            {
                throw new FormatException($"line {line}: unterminated {what}");
            }
            if (c == end)
            {
                return text.ToString();
            }
            text.Append((char)c);
        }
    }

    private void SkipSpaceAndComments()
    {
        while (true)
        {
            var c = _reader.Peek();
            if (c == ';')
            {
                while ((c = _reader.Peek()) >= 0 && c != '\n')
                {
                    Next();
                }
            }
            else if (c >= 0 && char.IsWhiteSpace((char)c))
            {
                Next();
            }
            else
            {
                return;
            }
        }
    }

    private int Next()
    {
        var c = _reader.Read();
        if (c == '\n')
        {
            _line++;
        }
        return c;
    }
}
