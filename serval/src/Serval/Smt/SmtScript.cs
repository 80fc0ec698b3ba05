using System.Globalization;
using System.Numerics;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>An SMT-LIB2 input that cannot be read: the message names the line and the offending construct.</summary>
public sealed class SmtScriptException : Exception
{
    /// <summary>Creates the exception for <paramref name="line"/>.</summary>
    public SmtScriptException(int line, string message) : base($"line {line}: {message}") => Line = line;

    /// <summary>Creates the exception with a message.</summary>
    public SmtScriptException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public SmtScriptException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public SmtScriptException() : base("The SMT-LIB2 input cannot be read.")
    {
    }

    /// <summary>The 1-based line of the offending expression (0 when unknown).</summary>
    public int Line { get; }
}

/// <summary>
/// Runs an SMT-LIB2 script of the QF_BV / QF_UFBV / quantified-BV subset through our own terms: every command is
/// read into <see cref="Term"/>s (so the file exercises the term layer, its simplifier and printers) and each
/// <c>check-sat</c> sends the current assertions to an <see cref="ISolver"/>. Supported: <c>set-logic</c>,
/// <c>set-option</c>, <c>set-info</c>, <c>declare-const</c>, <c>declare-fun</c>, <c>define-fun</c>, <c>assert</c>,
/// <c>check-sat</c>, <c>check-sat-assuming</c>, <c>get-model</c>, <c>get-value</c>, <c>push</c>, <c>pop</c>, <c>reset</c>,
/// <c>reset-assertions</c>, <c>echo</c>, <c>exit</c>.
/// </summary>
public sealed class SmtScript
{
    private readonly IReadOnlyList<SExpr> _commands;
    private readonly List<Frame> _frames = [new()];
    private Model? _lastModel;

    private SmtScript(IReadOnlyList<SExpr> commands) => _commands = commands;

    /// <summary>The answers of the <c>check-sat</c> commands run so far.</summary>
    public List<SolverResult> Answers { get; } = [];

    /// <summary>Parses <paramref name="text"/> into commands (terms are read when the commands run).</summary>
    /// <exception cref="SmtScriptException">Malformed s-expressions.</exception>
    public static SmtScript Parse(string text)
    {
        try
        {
            return new SmtScript(SExpr.ParseAll(text));
        }
        catch (FormatException e)
        {
            throw new SmtScriptException(e.Message, e);
        }
    }

    /// <summary>
    /// Runs the commands, writing as SMT-LIB2 solvers do: one line <c>sat</c>/<c>unsat</c>/<c>unknown</c> per
    /// <c>check-sat</c>, the answers of <c>get-value</c> (<c>((x #x05))</c>), and for <c>get-model</c> a
    /// <c>define-fun</c> per declared constant and function (a function as an <c>ite</c> over the points the solver
    /// reported, zero or false elsewhere, as <see cref="Model.Evaluate(Term)"/> reads it).
    /// </summary>
    /// <exception cref="SmtScriptException">A command or term outside the supported subset, naming its line.</exception>
    public void Run(ISolver solver, TextWriter output, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(solver);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var command in _commands)
        {
            if (!command.IsList || command.Count == 0 || command[0].Atom is not { } name)
            {
                throw new SmtScriptException(command.Line, $"expected a command, got {Short(command)}");
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (name == "exit")
            {
                return;
            }
            Execute(name, command, solver, output, timeout, cancellationToken);
        }
    }

    private void Execute(string name, SExpr command, ISolver solver, TextWriter output, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "set-logic" or "set-option" or "set-info" or "get-info":
                break;
            case "declare-const":
                Expect(command, 3);
                Declare(command, Symbol(command[1]), Term.Var(Symbol(command[1]), ParseSort(command[2])));
                break;
            case "declare-fun":
                Expect(command, 4);
                DeclareFunction(command);
                break;
            case "define-fun":
                Expect(command, 5);
                DefineFunction(command);
                break;
            case "assert":
                Expect(command, 2);
                var assertion = new TermReader(this, command[1]).Read(command[1]);
                if (!assertion.Sort.IsBool)
                {
                    throw new SmtScriptException(command.Line, $"assert needs a boolean, got {assertion.Sort}");
                }
                Top.Assertions.Add(assertion);
                break;
            case "check-sat":
                Expect(command, 1);
                CheckSat([], solver, output, timeout, cancellationToken);
                break;
            case "check-sat-assuming":
                Expect(command, 2);
                CheckSat(Assumptions(command), solver, output, timeout, cancellationToken);
                break;
            case "get-model":
                if (_lastModel is not null)
                {
                    WriteModel(_lastModel, output);
                }
                else if (!NoModelAfterUnknown(command, output))
                {
                    throw new SmtScriptException(command.Line, "get-model without a preceding sat answer");
                }
                break;
            case "get-value":
                Expect(command, 2);
                GetValue(command, output);
                break;
            case "push":
                // One frame for n levels: the n - 1 below the top can hold nothing, so `push 1000000000` costs one.
                if (Count(command) is var pushed and > 0)
                {
                    _frames.Add(new Frame { Levels = pushed });
                }
                break;
            case "pop":
                Pop(command, Count(command));
                break;
            case "reset":
                _frames.Clear();
                _frames.Add(new Frame());
                break;
            case "reset-assertions":
                foreach (var frame in _frames)
                {
                    frame.Assertions.Clear();
                }
                break;
            case "echo":
                Expect(command, 2);
                output.WriteLine(command[1].ToString());
                break;
            default:
                throw new SmtScriptException(command.Line, $"unsupported command '{name}'");
        }
    }

    private Frame Top => _frames[^1];

    private void Pop(SExpr command, long levels)
    {
        var pushed = _frames.Skip(1).Sum(f => (long)f.Levels);
        if (levels > pushed)
        {
            throw new SmtScriptException(command.Line, $"pop {levels} with only {pushed} pushed");
        }
        while (levels > 0)
        {
            var top = _frames[^1];
            _frames.RemoveAt(_frames.Count - 1);
            var popped = Math.Min(levels, top.Levels);
            levels -= popped;
            if (top.Levels > popped)
            {
                _frames.Add(new Frame { Levels = top.Levels - (int)popped }); // the empty levels below the popped top
            }
        }
    }

    // The assumptions of check-sat-assuming: boolean terms that hold for this check only.
    private List<Term> Assumptions(SExpr command)
    {
        if (!command[1].IsList)
        {
            throw new SmtScriptException(command.Line, "check-sat-assuming takes a list of boolean terms");
        }
        var assumptions = command[1].Items.Select(e => new TermReader(this, e).Read(e)).ToList();
        if (assumptions.FirstOrDefault(a => !a.Sort.IsBool) is { } notBool)
        {
            throw new SmtScriptException(command.Line, $"check-sat-assuming needs booleans, got {notBool.Sort}");
        }
        return assumptions;
    }

    private void CheckSat(List<Term> assumptions, ISolver solver, TextWriter output, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var assertions = _frames.SelectMany(f => f.Assertions).Concat(assumptions).ToList();
        var result = solver.Check(assertions, timeout, cancellationToken);
        Answers.Add(result);
        _lastModel = result.Model;
        output.WriteLine(result.Status switch { SolverStatus.Sat => "sat", SolverStatus.Unsat => "unsat", _ => "unknown" });
    }

    // get-model's answer, in the shape z3 and cvc5 print: declared constants and functions in declaration order.
    private void WriteModel(Model model, TextWriter output)
    {
        output.WriteLine("(");
        foreach (var (symbol, value) in _frames.SelectMany(f => f.Symbols))
        {
            var name = SmtWriter.Quote(symbol);
            if (value is Term { Op: Op.Var } variable)
            {
                output.WriteLine($"  (define-fun {name} () {variable.Sort} {model.Evaluate(variable)})");
            }
            else if (value is Function function)
            {
                var parameters = Enumerable.Range(0, function.Domain.Count).Select(i => $"x!{i}").ToArray();
                var body = Model.Default(function.Range).ToString();
                foreach (var (point, image) in model.Applications.Where(p => p.Key.Function == function).OrderByDescending(p => p.Key.ToString(), StringComparer.Ordinal))
                {
                    var args = point.Args.ToArray();
                    var guard = args.Length == 1 ? $"(= x!0 {args[0]})" : $"(and {string.Join(" ", args.Select((a, i) => $"(= x!{i} {a})"))})";
                    body = $"(ite {guard} {image} {body})";
                }
                var signature = string.Join(" ", parameters.Select((p, i) => $"({p} {function.Domain[i]})"));
                output.WriteLine($"  (define-fun {name} ({signature}) {function.Range} {body})");
            }
        }
        output.WriteLine(")");
    }

    // After an unknown the script is not wrong, the solver gave no model: say so as solvers do, and go on (the run
    // then ends as unknown, not as a bad script).
    private bool NoModelAfterUnknown(SExpr command, TextWriter output)
    {
        if (Answers.Count == 0 || Answers[^1].Status != SolverStatus.Unknown)
        {
            return false;
        }
        output.WriteLine($"(error \"line {command.Line}: {command[0]}: no model, the last check-sat answered unknown\")");
        return true;
    }

    private void GetValue(SExpr command, TextWriter output)
    {
        if (_lastModel is null)
        {
            if (NoModelAfterUnknown(command, output))
            {
                return;
            }
            throw new SmtScriptException(command.Line, "get-value without a preceding sat answer");
        }
        if (!command[1].IsList)
        {
            throw new SmtScriptException(command.Line, "get-value takes a list of terms");
        }
        var pairs = command[1].Items.Select(e => $"({e} {_lastModel.Evaluate(new TermReader(this, e).Read(e))})");
        output.WriteLine("(" + string.Join(" ", pairs) + ")");
    }

    private void DeclareFunction(SExpr command)
    {
        var symbol = Symbol(command[1]);
        if (!command[2].IsList)
        {
            throw new SmtScriptException(command.Line, "declare-fun needs a list of argument sorts");
        }
        var domain = command[2].Items.Select(ParseSort).ToList();
        var range = ParseSort(command[3]);
        Declare(command, symbol, domain.Count == 0 ? Term.Var(symbol, range) : new Function(symbol, domain, range));
    }

    private void DefineFunction(SExpr command)
    {
        var symbol = Symbol(command[1]);
        if (!command[2].IsList)
        {
            throw new SmtScriptException(command.Line, "define-fun needs a list of parameters");
        }
        var parameters = new List<(string Name, Term Variable)>();
        foreach (var parameter in command[2].Items)
        {
            if (!parameter.IsList || parameter.Count != 2)
            {
                throw new SmtScriptException(parameter.Line, $"bad parameter {Short(parameter)}");
            }
            parameters.Add((Symbol(parameter[0]), Term.Fresh($"{symbol}.{Symbol(parameter[0])}", ParseSort(parameter[1]))));
        }
        var range = ParseSort(command[3]);
        var reader = new TermReader(this, command[4]);
        reader.Bind(parameters, command[2], variables: true);
        var body = reader.Read(command[4]);
        if (body.Sort != range)
        {
            throw new SmtScriptException(command.Line, $"{symbol} is declared {range} but its body is {body.Sort}");
        }
        Declare(command, symbol, new Macro([.. parameters.Select(p => p.Variable)], body));
    }

    private void Declare(SExpr command, string symbol, object value)
    {
        if (Lookup(symbol) is not null)
        {
            throw new SmtScriptException(command.Line, $"'{symbol}' is already declared");
        }
        Top.Symbols.Add((symbol, value));
        Top.Index[symbol] = value;
    }

    private object? Lookup(string symbol)
    {
        for (var i = _frames.Count - 1; i >= 0; i--)
        {
            if (_frames[i].Index.TryGetValue(symbol, out var value))
            {
                return value;
            }
        }
        return null;
    }

    private static Sort ParseSort(SExpr sort)
    {
        if (sort.Is("Bool"))
        {
            return Sort.Bool;
        }
        if (sort.IsList && sort.Count == 3 && sort[0].Is("_") && sort[1].Is("BitVec")
            && int.TryParse(sort[2].Atom, NumberStyles.None, CultureInfo.InvariantCulture, out var width) && width > 0)
        {
            return Sort.BitVec(width);
        }
        throw new SmtScriptException(sort.Line, $"unsupported sort {Short(sort)} (Bool and (_ BitVec n) only)");
    }

    private static string Symbol(SExpr symbol) =>
        symbol.Atom is { } atom && !symbol.IsString ? atom : throw new SmtScriptException(symbol.Line, $"expected a symbol, got {Short(symbol)}");

    private static void Expect(SExpr command, int count)
    {
        if (command.Count != count)
        {
            throw new SmtScriptException(command.Line, $"{command[0]} takes {count - 1} argument(s), got {command.Count - 1}");
        }
    }

    private static int Count(SExpr command) =>
        command.Count == 1 ? 1
        : command.Count == 2 && int.TryParse(command[1].Atom, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw new SmtScriptException(command.Line, $"{command[0]} takes an optional numeral");

    private static string Short(SExpr expression)
    {
        var text = expression.ToString();
        return text.Length <= 60 ? text : text[..60] + "…";
    }

    private sealed class Frame
    {
        /// <summary>How many push levels this frame stands for (its content belongs to the topmost).</summary>
        public int Levels { get; init; } = 1;

        public List<(string Name, object Value)> Symbols { get; } = [];

        public Dictionary<string, object> Index { get; } = new(StringComparer.Ordinal);

        public List<Term> Assertions { get; } = [];
    }

    private sealed record Macro(Term[] Parameters, Term Body);

    /// <summary>Reads one term, with the let and quantifier bindings in scope.</summary>
    private sealed class TermReader(SmtScript script, SExpr root)
    {
        private readonly List<(Dictionary<string, Term> Names, bool Variables)> _scopes = [];
        private int _variableScopes;

        /// <summary>
        /// Brings <paramref name="bindings"/> into scope: let values, or (<paramref name="variables"/>) the bound
        /// variables of a quantifier or the parameters of a define-fun.
        /// </summary>
        public void Bind(IEnumerable<(string Name, Term Value)> bindings, SExpr binders, bool variables)
        {
            var scope = new Dictionary<string, Term>(StringComparer.Ordinal);
            foreach (var (name, value) in bindings)
            {
                if (!scope.TryAdd(name, value))
                {
                    throw new SmtScriptException(binders.Line == 0 ? root.Line : binders.Line, $"'{name}' is bound twice in {Short(binders)}");
                }
            }
            _scopes.Add((scope, variables));
            _variableScopes += variables ? 1 : 0;
        }

        private void Unbind()
        {
            _variableScopes -= _scopes[^1].Variables ? 1 : 0;
            _scopes.RemoveAt(_scopes.Count - 1);
        }

        public Term Read(SExpr e)
        {
            try
            {
                return e.IsList ? ReadList(e) : ReadAtom(e);
            }
            catch (ArgumentException error)
            {
                throw new SmtScriptException(e.Line == 0 ? root.Line : e.Line, $"ill-sorted term {Short(e)}: {error.Message}");
            }
            catch (FormatException)
            {
                throw new SmtScriptException(e.Line == 0 ? root.Line : e.Line, $"bad bitvector literal {Short(e)}");
            }
        }

        private Term ReadAtom(SExpr e)
        {
            var atom = e.Atom!;
            if (e.IsString)
            {
                // Not the symbol of the same name: strings have no sort in the supported logics.
                throw new SmtScriptException(e.Line, $"string literal {Short(e)} is not a term of the supported logics");
            }
            if (atom.StartsWith("#x", StringComparison.Ordinal) && atom.Length > 2)
            {
                return Term.BvConst(SolverValues.ParseBits(e, 4 * (atom.Length - 2)), 4 * (atom.Length - 2));
            }
            if (atom.StartsWith("#b", StringComparison.Ordinal) && atom.Length > 2)
            {
                return Term.BvConst(SolverValues.ParseBits(e, atom.Length - 2), atom.Length - 2);
            }
            switch (atom)
            {
                case "true":
                    return Term.True;
                case "false":
                    return Term.False;
            }
            for (var i = _scopes.Count - 1; i >= 0; i--)
            {
                if (_scopes[i].Names.TryGetValue(atom, out var bound))
                {
                    return bound;
                }
            }
            return script.Lookup(atom) switch
            {
                Term term => term,
                Macro { Parameters.Length: 0 } macro => macro.Body,
                null => throw new SmtScriptException(e.Line, $"unknown symbol '{atom}'"),
                _ => throw new SmtScriptException(e.Line, $"'{atom}' is a function and needs arguments"),
            };
        }

        private Term ReadList(SExpr e)
        {
            if (e.Count == 0)
            {
                throw new SmtScriptException(e.Line, "empty term ()");
            }
            var head = e[0];
            if (head.IsList)
            {
                return ReadIndexed(e);
            }
            if (head.Is("_"))
            {
                return ReadLiteral(e);
            }
            switch (head.Atom)
            {
                case "let":
                    return ReadLet(e);
                case "forall" or "exists":
                    return ReadQuantifier(e);
                case "!":
                    return ReadAnnotated(e);
            }
            var args = e.Items.Skip(1).Select(Read).ToArray();
            return Apply(e, head.Atom!, args);
        }

        private Term Apply(SExpr e, string op, Term[] a)
        {
            Term Arity(int n, Func<Term> build) =>
                a.Length == n ? build() : throw new SmtScriptException(e.Line, $"{op} takes {n} argument(s), got {a.Length}");
            Term Fold(Func<Term, Term, Term> f) =>
                a.Length >= 2 ? a.Skip(1).Aggregate(a[0], f) : throw new SmtScriptException(e.Line, $"{op} takes at least 2 arguments");
            Term Chain(Func<Term, Term, Term> f) =>
                a.Length >= 2 ? Term.And(Enumerable.Range(0, a.Length - 1).Select(i => f(a[i], a[i + 1])).ToList())
                    : throw new SmtScriptException(e.Line, $"{op} takes at least 2 arguments");
            switch (op)
            {
                case "not": return Arity(1, () => Term.Not(a[0]));
                case "and": return a.Length == 1 ? a[0] : Fold(Term.And);
                case "or": return a.Length == 1 ? a[0] : Fold(Term.Or);
                case "xor": return Fold(Term.Xor);
                case "=>": return a.Length >= 2 ? a.Reverse().Aggregate((acc, x) => Term.Implies(x, acc)) : Fold(Term.Implies);
                case "=": return Chain(Term.Eq);
                case "distinct":
                    return a.Length >= 2 ? Term.And([.. from i in Enumerable.Range(0, a.Length) from j in Enumerable.Range(i + 1, a.Length - i - 1)
                                                        select Term.Not(Term.Eq(a[i], a[j]))])
                        : throw new SmtScriptException(e.Line, "distinct takes at least 2 arguments");
                case "ite": return Arity(3, () => Term.Ite(a[0], a[1], a[2]));
                case "bvnot": return Arity(1, () => Term.BvNot(a[0]));
                case "bvneg": return Arity(1, () => Term.Neg(a[0]));
                case "bvadd": return Fold(Term.Add);
                case "bvsub": return Fold(Term.Sub);
                case "bvmul": return Fold(Term.Mul);
                case "bvudiv": return Arity(2, () => Term.UDiv(a[0], a[1]));
                case "bvsdiv": return Arity(2, () => Term.SDiv(a[0], a[1]));
                case "bvurem": return Arity(2, () => Term.URem(a[0], a[1]));
                case "bvsrem": return Arity(2, () => Term.SRem(a[0], a[1]));
                case "bvsmod": return Arity(2, () => Term.SMod(a[0], a[1]));
                case "bvand": return Fold(Term.BvAnd);
                case "bvor": return Fold(Term.BvOr);
                case "bvxor": return Fold(Term.BvXor);
                case "bvnand": return Arity(2, () => Term.BvNot(Term.BvAnd(a[0], a[1])));
                case "bvnor": return Arity(2, () => Term.BvNot(Term.BvOr(a[0], a[1])));
                case "bvxnor": return Arity(2, () => Term.BvNot(Term.BvXor(a[0], a[1])));
                case "bvcomp": return Arity(2, () => Term.Ite(Term.Eq(a[0], a[1]), Term.BvConst(1UL, 1), Term.BvConst(0UL, 1)));
                case "bvshl": return Arity(2, () => Term.Shl(a[0], a[1]));
                case "bvlshr": return Arity(2, () => Term.LShr(a[0], a[1]));
                case "bvashr": return Arity(2, () => Term.AShr(a[0], a[1]));
                case "bvult": return Arity(2, () => Term.Ult(a[0], a[1]));
                case "bvule": return Arity(2, () => Term.Ule(a[0], a[1]));
                case "bvugt": return Arity(2, () => Term.Ult(a[1], a[0]));
                case "bvuge": return Arity(2, () => Term.Ule(a[1], a[0]));
                case "bvslt": return Arity(2, () => Term.Slt(a[0], a[1]));
                case "bvsle": return Arity(2, () => Term.Sle(a[0], a[1]));
                case "bvsgt": return Arity(2, () => Term.Slt(a[1], a[0]));
                case "bvsge": return Arity(2, () => Term.Sle(a[1], a[0]));
                case "concat": return Fold(Term.Concat);
            }
            return script.Lookup(op) switch
            {
                Function function => Term.Apply(function, a),
                Macro macro when macro.Parameters.Length == a.Length =>
                    TermRewriter.Substitute(macro.Body, macro.Parameters.Zip(a).ToDictionary(p => p.First, p => p.Second)),
                Macro macro => throw new SmtScriptException(e.Line, $"{op} takes {macro.Parameters.Length} argument(s), got {a.Length}"),
                null => throw new SmtScriptException(e.Line, $"unknown function '{op}'"),
                _ => throw new SmtScriptException(e.Line, $"'{op}' is a constant, not a function"),
            };
        }

        private Term ReadIndexed(SExpr e)
        {
            var head = e[0];
            if (head.Count < 3 || !head[0].Is("_") || head[1].Atom is not { } name)
            {
                throw new SmtScriptException(e.Line, $"unsupported operator {Short(head)}");
            }
            var indices = head.Items.Skip(2).Select(i => int.TryParse(i.Atom, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
                : throw new SmtScriptException(e.Line, $"bad index {i}")).ToArray();
            if (e.Count != 2)
            {
                throw new SmtScriptException(e.Line, $"{name} takes one argument");
            }
            var a = Read(e[1]);
            if (!a.Sort.IsBitVec)
            {
                throw new SmtScriptException(e.Line, $"{name} needs a bitvector");
            }
            return (name, indices.Length) switch
            {
                ("extract", 2) => Term.Extract(indices[0], indices[1], a),
                ("zero_extend", 1) => Term.ZeroExtend(a, indices[0]),
                ("sign_extend", 1) => Term.SignExtend(a, indices[0]),
                ("rotate_left", 1) => Term.RotateLeft(a, Term.BvConst((ulong)indices[0] % (ulong)a.Width, a.Width)),
                ("rotate_right", 1) => Term.RotateRight(a, Term.BvConst((ulong)indices[0] % (ulong)a.Width, a.Width)),
                ("repeat", 1) when indices[0] >= 1 => Repeat(a, indices[0]),
                _ => throw new SmtScriptException(e.Line, $"unsupported operator {Short(head)}"),
            };
        }

        // n copies of a by doubling: log n concatenations (shared, hash-consed), not n.
        private static Term Repeat(Term a, int n)
        {
            if ((long)a.Width * n > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(n), n, $"{n} copies of a {a.Width}-bit vector are wider than the {int.MaxValue} bits supported.");
            }
            Term? result = null;
            for (var power = a; ; power = Term.Concat(power, power))
            {
                if ((n & 1) != 0)
                {
                    result = result is null ? power : Term.Concat(power, result);
                }
                n >>= 1;
                if (n == 0)
                {
                    return result!;
                }
            }
        }

        private static Term ReadLiteral(SExpr e)
        {
            if (e.Count == 3 && e[1].Atom is { } bv && bv.StartsWith("bv", StringComparison.Ordinal)
                && BigInteger.TryParse(bv.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                && int.TryParse(e[2].Atom, NumberStyles.None, CultureInfo.InvariantCulture, out var width) && width > 0)
            {
                return Term.BvConst(value, width);
            }
            throw new SmtScriptException(e.Line, $"unsupported literal {Short(e)}");
        }

        // (! term :attribute value ...): the attributes leave the term unchanged; :named n also defines n as the term.
        private Term ReadAnnotated(SExpr e)
        {
            if (e.Count < 4 || (e.Count - 2) % 2 != 0)
            {
                throw new SmtScriptException(e.Line, $"! takes a term and attribute-value pairs, got {Short(e)}");
            }
            var term = Read(e[1]);
            for (var i = 2; i < e.Count; i += 2)
            {
                if (e[i].Atom is not { } keyword || e[i].IsString || !keyword.StartsWith(':'))
                {
                    throw new SmtScriptException(e.Line, $"expected an attribute keyword, got {Short(e[i])}");
                }
                if (keyword != ":named")
                {
                    continue;
                }
                if (_variableScopes > 0)
                {
                    throw new SmtScriptException(e.Line, "a named term inside a quantifier or define-fun body is not supported");
                }
                script.Declare(e, Symbol(e[i + 1]), new Macro([], term));
            }
            return term;
        }

        private Term ReadLet(SExpr e)
        {
            if (e.Count != 3 || !e[1].IsList)
            {
                throw new SmtScriptException(e.Line, "let takes a list of bindings and a body");
            }
            var bindings = new List<(string, Term)>();
            foreach (var binding in e[1].Items)
            {
                if (!binding.IsList || binding.Count != 2)
                {
                    throw new SmtScriptException(binding.Line, $"bad let binding {Short(binding)}");
                }
                bindings.Add((Symbol(binding[0]), Read(binding[1])));
            }
            Bind(bindings, e[1], variables: false);
            try
            {
                return Read(e[2]);
            }
            finally
            {
                Unbind();
            }
        }

        private Term ReadQuantifier(SExpr e)
        {
            if (e.Count != 3 || !e[1].IsList || e[1].Count == 0)
            {
                throw new SmtScriptException(e.Line, $"{e[0]} takes a list of sorted variables and a body");
            }
            var variables = new List<(string Name, Term Variable)>();
            foreach (var declaration in e[1].Items)
            {
                if (!declaration.IsList || declaration.Count != 2)
                {
                    throw new SmtScriptException(declaration.Line, $"bad bound variable {Short(declaration)}");
                }
                var name = Symbol(declaration[0]);
                variables.Add((name, Term.Fresh(name, ParseSort(declaration[1]))));
            }
            Bind(variables, e[1], variables: true);
            try
            {
                var body = Read(e[2]);
                if (!body.Sort.IsBool)
                {
                    throw new SmtScriptException(e.Line, "a quantifier's body must be boolean");
                }
                var bound = variables.Select(v => v.Variable).ToList();
                return e[0].Is("forall") ? Term.ForAll(bound, body) : Term.Exists(bound, body);
            }
            finally
            {
                Unbind();
            }
        }
    }
}
