import { prepareText } from './src/keywords/tokens';
const t = "Hi! I can't make it Tuesday at 3, could we move my facial to Thursday afternoon? Also is the 20% off still on? Thanks so much 😊";
for (let i = 0; i < 200000; i++) prepareText(t);
