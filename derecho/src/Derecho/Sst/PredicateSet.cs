namespace Derecho.Sst;

/// <summary>
/// Predicates over the table with their triggers, as in Derecho's SST: a one-time predicate fires once and is
/// removed, a recurrent one fires every evaluation it holds, a transition one fires when it turns from false to
/// true. <see cref="Evaluate"/> runs after a batch of updates and repeats until no trigger fires, so triggers that
/// enable one another run in the same batch.
/// </summary>
internal sealed class PredicateSet
{
    private const int MaxRounds = 64;
    private readonly List<Entry> _entries = [];
    private bool _retired;

    public void AddOneTime(Func<bool> predicate, Action trigger) => _entries.Add(new Entry(PredicateKind.OneTime, predicate, trigger));

    public void AddRecurrent(Func<bool> predicate, Action trigger) => _entries.Add(new Entry(PredicateKind.Recurrent, predicate, trigger));

    public void AddTransition(Func<bool> predicate, Action trigger) => _entries.Add(new Entry(PredicateKind.Transition, predicate, trigger));

    /// <summary>
    /// The view these predicates belong to ended: they are dropped, and an evaluation under way (whose trigger
    /// installed the next view) stops at once. Predicates of an ending view capture its table and streams, whose
    /// own row now holds the next view's columns, so evaluating them further would read the wrong view.
    /// </summary>
    public void Retire()
    {
        _entries.Clear();
        _retired = true;
    }

    /// <summary>Evaluates every predicate and runs the triggers that fire, until none fires (or a bound is reached).</summary>
    /// <param name="stop">Checked between predicates; true ends the evaluation (the member stopped).</param>
    public void Evaluate(Func<bool> stop)
    {
        for (var round = 0; round < MaxRounds && !_retired; round++)
        {
            var fired = false;
            for (var i = 0; i < _entries.Count && !_retired && !stop(); i++)
            {
                var entry = _entries[i];
                var holds = entry.Predicate();
                var fires = entry.Kind switch
                {
                    PredicateKind.Transition => holds && !entry.Held,
                    _ => holds,
                };
                entry.Held = holds;
                if (!fires)
                {
                    continue;
                }
                if (entry.Kind == PredicateKind.OneTime)
                {
                    _entries.RemoveAt(i--);
                }
                entry.Trigger();
                fired = true;
            }
            if (!fired || _retired || stop())
            {
                return;
            }
        }
    }

    private enum PredicateKind
    {
        OneTime,
        Recurrent,
        Transition,
    }

    private sealed class Entry(PredicateKind kind, Func<bool> predicate, Action trigger)
    {
        public PredicateKind Kind { get; } = kind;

        public Func<bool> Predicate { get; } = predicate;

        public Action Trigger { get; } = trigger;

        public bool Held { get; set; }
    }
}
