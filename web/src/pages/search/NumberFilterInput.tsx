import { useEffect, useRef, useState } from 'react';
import type { ControlProps } from '../../components/ui';

interface NumberFilterInputProps extends ControlProps {
  value: number | null;
  onCommit: (value: number | null) => void;
  /** Text shown for a value (e.g. minor units -> major units). */
  format?: (value: number) => string;
  /** Parses typed text; null means "no filter", undefined means "invalid, keep typing". */
  parse?: (text: string) => number | null | undefined;
  placeholder?: string;
  testId?: string;
  inputMode?: 'numeric' | 'decimal';
}

const defaultParse = (text: string): number | null | undefined => {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
};

/**
 * A number filter that applies itself shortly after typing stops (or on Enter/blur), so the
 * URL and results follow without a search per keystroke.
 */
export function NumberFilterInput({
  value,
  onCommit,
  format = String,
  parse = defaultParse,
  placeholder,
  testId,
  inputMode = 'numeric',
  ...controlProps
}: NumberFilterInputProps) {
  const [text, setText] = useState(value === null ? '' : format(value));
  const focused = useRef(false);
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef({ value, onCommit, parse });
  latest.current = { value, onCommit, parse };

  useEffect(() => {
    if (!focused.current) setText(value === null ? '' : format(value));
  }, [value, format]);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  const commit = (raw: string) => {
    window.clearTimeout(timer.current);
    const parsed = latest.current.parse(raw);
    if (parsed === undefined || parsed === latest.current.value) return;
    latest.current.onCommit(parsed);
  };

  return (
    <input
      {...controlProps}
      type="text"
      inputMode={inputMode}
      className="input"
      value={text}
      placeholder={placeholder}
      data-testid={testId}
      autoComplete="off"
      onFocus={() => {
        focused.current = true;
      }}
      onBlur={() => {
        focused.current = false;
        commit(text);
      }}
      onChange={(event) => {
        const next = event.target.value;
        setText(next);
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => commit(next), 700);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          commit(text);
        }
      }}
    />
  );
}
