%% share.erl -- the cost per message of sending a freshly built 10-element list to a process that
%% reads it (issue 13, share.csv): Erlang's side of the comparison (message passing copies the
%% list). Run: erl -noshell +S 2 -s share main N -s init stop. Prints "erlang,<ns per message>".
-module(share).
-export([main/1]).

consumer(0, S, Parent) -> Parent ! {sum, S};
consumer(K, S, Parent) ->
    receive [X | _] -> consumer(K - 1, S + X, Parent) end.

produce(I, N, _C) when I =:= N -> ok;
produce(I, N, C) ->
    C ! [I, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    produce(I + 1, N, C).

main([Arg]) ->
    N = list_to_integer(atom_to_list(Arg)),
    Self = self(),
    C = spawn(fun() -> consumer(N, 0, Self) end),
    T0 = erlang:monotonic_time(nanosecond),
    produce(0, N, C),
    S = receive {sum, V} -> V end,
    T1 = erlang:monotonic_time(nanosecond),
    case S =:= N * (N - 1) div 2 of
        true -> io:format("erlang,~B~n", [(T1 - T0) div N]);
        false -> io:format(standard_error, "share.erl: wrong sum ~p~n", [S]), halt(1)
    end.
