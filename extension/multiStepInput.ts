// Multi-step input in VS Code's idiom (the quickinput sample's MultiStepInput): one title, "step n of m",
// a Back button from the second step on. Each step replaces the one before without closing the widget,
// so the user sees one input that moves on, and a step shown again shows what was typed in it.
import * as vscode from 'vscode';

/** The user pressed Back. */
export const back = Symbol('back');
/** What a step gives: the answer, Back, or undefined when the user closed the input (Escape). */
export type StepResult<T> = T | typeof back | undefined;

interface StepParams {
  step: number;
  totalSteps: number;
}

export interface PickParams<T extends vscode.QuickPickItem> extends StepParams {
  placeholder: string;
  items: readonly T[];
  active?: T | undefined;
}

export interface InputParams extends StepParams {
  prompt: string;
  placeholder?: string;
  value?: string | undefined;
  password?: boolean;
  /** Checked as the user types and again on Enter, which does nothing while it answers a message. */
  validate(value: string): string | undefined;
  /** Shown at once (the agent's verdict on this value); it goes when the value changes. */
  problem?: string | undefined;
}

export class MultiStepInput implements vscode.Disposable {
  #current: vscode.QuickInput | undefined;

  constructor(readonly title: string) {}

  pick<T extends vscode.QuickPickItem>(params: PickParams<T>): Promise<StepResult<T>> {
    const pick = vscode.window.createQuickPick<T>();
    this.#decorate(pick, params);
    pick.placeholder = params.placeholder;
    pick.items = params.items;
    if (params.active) pick.activeItems = [params.active];
    return this.#run(pick, (done) => [
      pick.onDidAccept(() => {
        const [chosen] = pick.selectedItems.length > 0 ? pick.selectedItems : pick.activeItems;
        if (chosen) done(chosen);
      }),
    ]);
  }

  input(params: InputParams): Promise<StepResult<string>> {
    const box = vscode.window.createInputBox();
    this.#decorate(box, params);
    box.prompt = params.prompt;
    box.placeholder = params.placeholder;
    box.value = params.value ?? '';
    box.password = params.password === true;
    box.validationMessage = params.problem;
    return this.#run(box, (done) => [
      box.onDidChangeValue((value) => {
        // An empty box is not scolded before anything was typed; Enter on it still is.
        box.validationMessage = value === '' ? undefined : params.validate(value);
      }),
      box.onDidAccept(() => {
        const message = params.validate(box.value);
        box.validationMessage = message;
        if (message === undefined) done(box.value);
      }),
    ]);
  }

  /** While the agent judges the answers: the last step stays, busy and disabled, instead of vanishing. */
  wait(): void {
    if (!this.#current) return;
    this.#current.busy = true;
    this.#current.enabled = false;
  }

  dispose(): void {
    this.#current?.dispose();
    this.#current = undefined;
  }

  #decorate(input: vscode.QuickInput & { buttons: readonly vscode.QuickInputButton[] }, step: StepParams) {
    input.title = this.title;
    input.step = step.step;
    input.totalSteps = step.totalSteps;
    // Secrets are pasted from another window: a click there must not throw away what was typed here.
    input.ignoreFocusOut = true;
    input.buttons = step.step > 1 ? [vscode.QuickInputButtons.Back] : [];
  }

  #run<T>(
    input: vscode.QuickInput & { onDidTriggerButton: vscode.Event<vscode.QuickInputButton> },
    listen: (done: (value: StepResult<T>) => void) => vscode.Disposable[],
  ): Promise<StepResult<T>> {
    return new Promise<StepResult<T>>((resolve) => {
      let settled = false;
      const disposables: vscode.Disposable[] = [];
      const done = (value: StepResult<T>) => {
        if (settled) return;
        settled = true;
        for (const disposable of disposables) disposable.dispose();
        resolve(value);
      };
      disposables.push(
        ...listen(done),
        input.onDidTriggerButton((button) => {
          if (button === vscode.QuickInputButtons.Back) done(back);
        }),
        input.onDidHide(() => done(undefined)),
      );
      // The step before stays on screen until this one replaces it: no flicker, no lost focus.
      const previous = this.#current;
      this.#current = input;
      input.show();
      previous?.dispose();
    });
  }
}
