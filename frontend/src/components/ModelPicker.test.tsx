import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { entry, model, textModels } from '../test/fixtures';
import { renderWithI18n } from '../test/render';
import { warmUpDom } from '../test/warmup';
import { ModelPicker, PAGE_SIZE } from './ModelPicker';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * userEvent without its pause between keystrokes and clicks: the picker
 * uses no timers, and a pause per key only costs time on a loaded machine.
 */
function setupUser() {
  return userEvent.setup({ delay: null });
}

function optionNames(): string[] {
  return screen.getAllByRole('option').map((o) => o.getAttribute('data-model-id') ?? '');
}

async function openPicker(user: ReturnType<typeof setupUser>) {
  await user.click(screen.getByRole('button', { name: 'Change model' }));
  return screen.getByRole('combobox', { name: 'Search text models' });
}

// At import, with the environment, not inside whichever test comes first.
warmUpDom();

describe('ModelPicker', () => {
  it('shows the current choice on top with the recommended badge and formatted details', () => {
    renderWithI18n(
      <ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} recommendedId="openai/gpt-3.5-turbo" onSave={vi.fn()} />,
    );
    const current = screen.getByLabelText('Current model');
    expect(within(current).getByText('OpenAI: GPT-3.5 Turbo')).toBeInTheDocument();
    expect(within(current).getByText('Recommended')).toBeInTheDocument();
    expect(within(current).getByText('16K')).toBeInTheDocument();
    expect(within(current).getByText('$0.15/1M tokens')).toBeInTheDocument();
    expect(within(current).getByText(/not saved yet/)).toBeInTheDocument();
  });

  it('opens the search with every model listed, the current choice first', async () => {
    const user = setupUser();
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={vi.fn()} />);
    const search = await openPicker(user);
    expect(search).toHaveFocus();
    expect(optionNames()).toHaveLength(textModels.length);
    expect(optionNames()[0]).toBe('openai/gpt-3.5-turbo');
  });

  // One search per test: typing is the slow part, so no test types them all.
  it.each([
    ['name', 'haiku', ['anthropic/claude-3-haiku']],
    ['id', 'meta-llama/llama-3.1', ['meta-llama/llama-3.1-8b-instruct']],
    ['provider', 'google', ['google/gemini-2.0-flash-001']],
  ])('searches by %s', async (_by, query, want) => {
    const user = setupUser();
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={vi.fn()} />);
    const search = await openPicker(user);
    expect(search).toHaveFocus(); // so typing needs no click first
    await user.type(search, query, { skipClick: true });
    expect(search).toHaveValue(query);
    expect(optionNames()).toEqual(want);
  });

  it('shows the found model\'s context and every price it has', async () => {
    const user = setupUser();
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={vi.fn()} />);
    const search = await openPicker(user);
    await user.type(search, 'google', { skipClick: true });
    const row = screen.getByRole('option');
    expect(row).toHaveAttribute('data-model-id', 'google/gemini-2.0-flash-001');
    expect(within(row).getByText('1M')).toBeInTheDocument();
    expect(within(row).getByText('$0.0000258/image')).toBeInTheDocument();
    expect(within(row).getByText('$0.001/request')).toBeInTheDocument();
  });

  it('says so when no model matches, and lists them all again when the search is cleared', async () => {
    const user = setupUser();
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={vi.fn()} />);
    const search = await openPicker(user);
    await user.type(search, 'nothing-like-this', { skipClick: true });
    expect(screen.queryAllByRole('option')).toHaveLength(0);
    expect(screen.getByText(/No models match/)).toBeInTheDocument();
    await user.clear(search);
    expect(optionNames()).toHaveLength(textModels.length);
  });

  it('saves a choice at once and says Saving… then Saved', async () => {
    const user = setupUser();
    const save = deferred();
    const onSave = vi.fn(() => save.promise);
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={onSave} />);
    const search = await openPicker(user);
    await user.type(search, 'gpt-4o-mini');
    await user.click(screen.getByRole('option', { name: /GPT-4o-mini/ }));

    expect(onSave).toHaveBeenCalledWith('text', 'openai/gpt-4o-mini');
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Saving…');
    expect(within(screen.getByLabelText('Current model')).getByText('OpenAI: GPT-4o-mini')).toBeInTheDocument();

    await act(async () => save.resolve());
    expect(status).toHaveTextContent('Saved');
  });

  it('rolls the choice back and shows the reason when saving fails', async () => {
    const user = setupUser();
    const onSave = vi.fn(() => Promise.reject(new ApiError(422, 'model_type_mismatch', 'model does not serve text')));
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={onSave} />);
    const search = await openPicker(user);
    await user.type(search, 'claude');
    await user.click(screen.getByRole('option', { name: /Claude 3 Haiku/ }));

    expect(await screen.findByText(/Failed: That model cannot be used for this type/)).toBeInTheDocument();
    const current = screen.getByLabelText('Current model');
    expect(within(current).getByText('OpenAI: GPT-3.5 Turbo')).toBeInTheDocument();
    expect(within(current).queryByText('Anthropic: Claude 3 Haiku')).not.toBeInTheDocument();
  });

  it('is keyboard operable: arrows move the active option, Enter chooses', async () => {
    const user = setupUser();
    const onSave = vi.fn(() => Promise.resolve());
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={onSave} />);
    const search = await openPicker(user);
    const first = screen.getAllByRole('option')[0];
    expect(search).toHaveAttribute('aria-activedescendant', first.id);
    await user.keyboard('{ArrowDown}{ArrowDown}');
    const third = screen.getAllByRole('option')[2];
    expect(search).toHaveAttribute('aria-activedescendant', third.id);
    await user.keyboard('{ArrowUp}{Enter}');
    expect(onSave).toHaveBeenCalledWith('text', 'openai/gpt-4o-mini');
    expect(await screen.findByText('Saved')).toBeInTheDocument();
    // Focus goes back to the toggle; Escape twice clears the query, then closes.
    expect(screen.getByRole('button', { name: 'Change model' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await user.keyboard('abc{Escape}');
    expect(screen.getByRole('combobox')).toHaveValue('');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Change model' })).toHaveFocus();
  });

  it('renders a large catalog incrementally with "show more"', async () => {
    const user = setupUser();
    // Rows without prices or context: paging is under test, not the details,
    // and every element of a row is work for each render and each query.
    const total = 600;
    const many = Array.from({ length: total }, (_, i) =>
      model(`vendor/model-${i}`, `Vendor: Model ${i}`, 'Vendor', { context_length: undefined, pricing: undefined }),
    );
    renderWithI18n(<ModelPicker type="text" models={many} entry={entry('vendor/model-0')} onSave={vi.fn()} />);
    await openPicker(user);
    const ids = () => within(screen.getByRole('listbox')).getAllByRole('option').map((o) => o.getAttribute('data-model-id'));
    // The picker has no script or style elements, so getByText need not
    // test each of the list's elements for one (most of its time here).
    const text = (s: string) => screen.getByText(s, { ignore: false });
    const firstPage = Array.from({ length: PAGE_SIZE }, (_, i) => `vendor/model-${i}`);
    expect(ids()).toEqual(firstPage);
    expect(text(`Showing ${PAGE_SIZE} of ${total}`)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: `Show ${PAGE_SIZE} more` }));
    expect(ids()).toEqual([...firstPage, ...Array.from({ length: PAGE_SIZE }, (_, i) => `vendor/model-${PAGE_SIZE + i}`)]);
    expect(text(`Showing ${PAGE_SIZE * 2} of ${total}`)).toBeInTheDocument();
  });

  it('tells a model missing from the catalog from one that could not be checked', () => {
    const { unmount } = renderWithI18n(
      <ModelPicker type="text" models={textModels} entry={entry('gone/model', { saved: true, available: false, availability: 'unavailable' })} onSave={vi.fn()} />,
    );
    let current = screen.getByLabelText('Current model');
    expect(within(current).getByText(/no longer in the catalog/)).toBeInTheDocument();
    expect(within(current).queryByText(/cannot be checked/)).not.toBeInTheDocument();
    unmount();

    renderWithI18n(
      <ModelPicker type="text" models={[]} entry={entry('openai/gpt-4o', { saved: true, available: true, availability: 'unknown', model: null })} onSave={vi.fn()} />,
    );
    current = screen.getByLabelText('Current model');
    expect(within(current).getByText(/cannot be checked right now/)).toBeInTheDocument();
    expect(within(current).queryByText(/no longer in the catalog/)).not.toBeInTheDocument();
  });

  it('says plainly when a group is empty', () => {
    renderWithI18n(<ModelPicker type="audio" models={[]} entry={{ ...entry(''), type: 'audio', model: null }} onSave={vi.fn()} />);
    expect(screen.getByText('The catalog has no audio models.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Change model' })).not.toBeInTheDocument();
  });

  it('speaks Russian', async () => {
    const user = setupUser();
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={vi.fn()} />, 'ru');
    await user.click(screen.getByRole('button', { name: 'Сменить модель' }));
    expect(screen.getByRole('combobox', { name: 'Поиск моделей: Текст' })).toBeInTheDocument();
  });
});

describe('ModelPicker defaults', () => {
  it('saves the recommended default when it is picked explicitly', async () => {
    const user = setupUser();
    const onSave = vi.fn(() => Promise.resolve());
    renderWithI18n(<ModelPicker type="text" models={textModels} entry={entry('openai/gpt-3.5-turbo')} onSave={onSave} />);
    await openPicker(user);
    await user.click(screen.getByRole('option', { name: /GPT-3.5 Turbo/ }));
    expect(onSave).toHaveBeenCalledWith('text', 'openai/gpt-3.5-turbo');
    expect(await screen.findByText('Saved')).toBeInTheDocument();
  });

  it('does not save again when the saved choice is re-picked', async () => {
    const user = setupUser();
    const onSave = vi.fn(() => Promise.resolve());
    renderWithI18n(
      <ModelPicker type="text" models={textModels} entry={entry('openai/gpt-4o-mini', { saved: true, recommended: false })} onSave={onSave} />,
    );
    await openPicker(user);
    await user.click(screen.getByRole('option', { name: /GPT-4o-mini/ }));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
  });
});
