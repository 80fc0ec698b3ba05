using System.Buffers;
using System.Text;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>What a solver's SMT-LIB2 reader accepts.</summary>
public enum SmtDialect
{
    /// <summary>SMT-LIB2 as z3 and cvc5 take it: functions with parameters, <c>define-fun</c>, quantifiers.</summary>
    Standard,
    /// <summary>
    /// Debian's boolector 1.5.118: only parameterless <c>declare-fun</c>, no <c>define-fun</c>, no
    /// <c>set-option</c>, no quantifiers. Uninterpreted functions become arrays indexed by their concatenated
    /// arguments; shared subterms become declared constants with defining equations.
    /// </summary>
    Boolector,
}

/// <summary>
/// Lowers boolean terms to SMT-LIB2 text. Shared subterms (and every few dozen levels of a deep chain) are named
/// once, so the text grows with the DAG, not with its unfolding.
/// </summary>
public static class SmtWriter
{
    private const int MaxInlineHeight = 48;
    private static readonly SearchValues<char> SymbolChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~!@$%^&*_-+=<>.?/");

    /// <summary>
    /// A complete script reproducing the query: declarations, assertions, <c>(check-sat)</c>, a <c>get-value</c> of
    /// the free variables, <c>(exit)</c>.
    /// </summary>
    public static string Script(IReadOnlyList<Term> assertions, SmtDialect dialect)
    {
        var plan = QueryPlan.Create(assertions);
        var builder = new StringBuilder();
        if (dialect == SmtDialect.Standard)
        {
            builder.AppendLine("(set-option :produce-models true)");
        }
        builder.Append("(set-logic ").Append(plan.Logic(dialect)).AppendLine(")");
        WriteBody(builder, plan, dialect);
        builder.AppendLine("(check-sat)");
        if (dialect == SmtDialect.Standard && plan.Variables.Count > 0)
        {
            builder.Append("(get-value (").AppendJoin(' ', plan.Variables.Select(Symbol)).AppendLine("))");
        }
        builder.AppendLine("(exit)");
        return builder.ToString();
    }

    /// <summary>A variable's or function's SMT-LIB2 symbol, quoted with bars when it is not a simple symbol.</summary>
    public static string Symbol(Term variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return Quote(variable.Name!);
    }

    /// <summary>The SMT-LIB2 symbol of a function (its name and a unique number).</summary>
    public static string Symbol(Function function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Quote($"{function.Name}@{function.Id}");
    }

    /// <summary>Quotes <paramref name="name"/> with bars unless it is a simple symbol.</summary>
    public static string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var simple = name.Length > 0 && !char.IsAsciiDigit(name[0]) && !name.AsSpan().ContainsAnyExcept(SymbolChars)
            && name is not ("true" or "false" or "let" or "forall" or "exists" or "ite" or "not" or "and" or "or" or "xor" or "_" or "!" or "as");
        return simple ? name : "|" + name + "|";
    }

    /// <summary>Writes declarations, shared-term definitions and the assertions of <paramref name="plan"/>.</summary>
    internal static void WriteBody(StringBuilder builder, QueryPlan plan, SmtDialect dialect)
    {
        foreach (var variable in plan.Variables)
        {
            builder.Append("(declare-fun ").Append(Symbol(variable)).Append(" () ").Append(variable.Sort).AppendLine(")");
        }
        foreach (var function in plan.Functions)
        {
            builder.Append("(declare-fun ").Append(Symbol(function));
            if (dialect == SmtDialect.Boolector)
            {
                var indexWidth = function.Domain.Sum(s => Math.Max(1, s.Width));
                builder.Append(" () (Array (_ BitVec ").Append(indexWidth).Append(") (_ BitVec ")
                    .Append(Math.Max(1, function.Range.Width)).AppendLine(")))");
            }
            else
            {
                builder.Append(" (").AppendJoin(' ', function.Domain).Append(") ").Append(function.Range).AppendLine(")");
            }
        }
        var printer = new Printer(plan, dialect, builder);
        foreach (var shared in plan.Named)
        {
            var name = plan.NameOf(shared);
            if (dialect == SmtDialect.Boolector)
            {
                builder.Append("(declare-fun ").Append(name).Append(" () ").Append(shared.Sort).AppendLine(")");
                builder.Append("(assert (= ").Append(name).Append(' ');
                printer.Write(shared, root: true);
                builder.AppendLine("))");
            }
            else
            {
                builder.Append("(define-fun ").Append(name).Append(" () ").Append(shared.Sort).Append(' ');
                printer.Write(shared, root: true);
                builder.AppendLine(")");
            }
        }
        foreach (var assertion in plan.Assertions)
        {
            builder.Append("(assert ");
            printer.Write(assertion, root: false);
            builder.AppendLine(")");
        }
    }

    /// <summary>Writes one term, referring to named subterms by name.</summary>
    internal static void WriteTerm(StringBuilder builder, QueryPlan plan, SmtDialect dialect, Term term) =>
        new Printer(plan, dialect, builder).Write(term, root: false);

    private sealed class Printer(QueryPlan plan, SmtDialect dialect, StringBuilder builder)
    {
        public void Write(Term term, bool root)
        {
            if (!root && plan.TryGetName(term, out var name))
            {
                builder.Append(name);
                return;
            }
            switch (term.Op)
            {
                case Op.Const:
                    builder.Append(TermPrinter.Constant(term.Value, term.Sort));
                    return;
                case Op.Var:
                    builder.Append(Symbol(term));
                    return;
                case Op.ForAll or Op.Exists:
                    builder.Append('(').Append(TermPrinter.OperatorName(term.Op)).Append(" (");
                    foreach (var variable in term.Bound)
                    {
                        builder.Append('(').Append(Symbol(variable)).Append(' ').Append(variable.Sort).Append(')');
                    }
                    builder.Append(") ");
                    Write(term[0], root: false);
                    builder.Append(')');
                    return;
                case Op.Apply when dialect == SmtDialect.Boolector:
                    WriteSelect(term);
                    return;
            }
            builder.Append('(').Append(TermPrinter.Head(term, Symbol));
            foreach (var arg in term.Args)
            {
                builder.Append(' ');
                Write(arg, root: false);
            }
            builder.Append(')');
        }

        // f(a, b) as (select f (concat a b)); booleans travel as one-bit vectors.
        private void WriteSelect(Term term)
        {
            var boolRange = term.Sort.IsBool;
            if (boolRange)
            {
                builder.Append("(= ");
            }
            builder.Append("(select ").Append(Symbol(term.Function!)).Append(' ');
            for (var i = 0; i < term.Arity - 1; i++)
            {
                builder.Append("(concat ");
            }
            for (var i = 0; i < term.Arity; i++)
            {
                if (term[i].Sort.IsBool)
                {
                    builder.Append("(ite ");
                    Write(term[i], root: false);
                    builder.Append(" #b1 #b0)");
                }
                else
                {
                    Write(term[i], root: false);
                }
                if (i > 0)
                {
                    builder.Append(')');
                }
                builder.Append(' ');
            }
            builder.Length--;
            builder.Append(')');
            if (boolRange)
            {
                builder.Append(" #b1)");
            }
        }
    }

    /// <summary>Nodes that get a name: shared by two parents, or every few dozen levels of a deep chain.</summary>
    internal static bool ShouldName(Term term, int parents, int height) =>
        term.Op is not (Op.Const or Op.Var) && (parents >= 2 || height >= MaxInlineHeight);
}
